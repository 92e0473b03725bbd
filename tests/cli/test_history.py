"""`--record` and `venue-balances history`: fetches recorded, and read back exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapter import cli
from adapter.sandbox import Fault, Sandbox
from adapter.unattended.history import History, HistoryError
from tests.cli.command import run


def test_record_three_fetches_and_read_them_back_exactly(
    desk: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    sandbox, env = desk
    db = tmp_path / "history.sqlite3"
    huge = "123456789012345678901234567890.000001"  # 30 digits before the point
    child = sandbox.simulator("coinswitch_dma").accounts[1001]
    child["balance_detail"]["totalEquity"] = huge
    for _ in range(3):
        assert run("--record", str(db), "--format", "csv", env=env).returncode == 0
    sandbox.inject("coinswitch_dma", Fault(status=503), times=10)
    assert run("--record", str(db), "--timeout", "1", env=env).returncode == 1
    document = json.loads(run("history", "--db", str(db), "--format", "json").stdout)
    snapshots = document["snapshots"]
    assert len(snapshots) == 4 and all(s["simulated"] is False for s in snapshots)
    for snapshot in snapshots[:3]:
        [row] = [b for b in snapshot["balances"] if b["subaccount"] == 1001]
        assert row["balance"] == huge and Decimal(row["balance"]) == Decimal(huge)
        assert snapshot["errors"] == []
    assert [e["kind"] for e in snapshots[3]["errors"]] == ["unavailable"]
    table = run("history", "--db", str(db), "--venue", "coinswitch_dma", "--subaccount", "1001")
    assert table.returncode == 0 and huge in table.stdout
    chart = run("history", "--db", str(db), "--format", "chart", env={"COLUMNS": "80"})
    assert chart.returncode == 0, chart.stderr
    assert all(len(line) <= 80 for line in chart.stdout.splitlines())
    assert run("history", "--db", str(tmp_path / "nowhere.db")).returncode == 2
    assert run("history", "--db", str(db), "--since", "soon").returncode == 2


def test_sandbox_history_has_a_file_of_its_own(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    assert run("--sandbox", "--record", "--format", "csv", env=env).returncode == 0
    assert [p.name for p in tmp_path.rglob("*.sqlite3")] == ["history-sandbox.sqlite3"]
    document = json.loads(run("history", "--sandbox", "--format", "json", env=env).stdout)
    assert [s["simulated"] for s in document["snapshots"]] == [True]
    assert run("history", env=env).returncode == 2, "no real history recorded yet"


def test_sandbox_history_is_marked_simulated(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    assert run("--sandbox", "--record", str(db), "--format", "json").returncode == 0
    document = json.loads(run("history", "--db", str(db), "--format", "json").stdout)
    assert [s["simulated"] for s in document["snapshots"]] == [True]
    table = run("history", "--db", str(db)).stdout
    assert "yes" in table.split("SIMULATED", 1)[1]


def test_a_failed_recording_still_prints_the_balances(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    def locked(self: History, report: object, *, simulated: bool) -> int:
        raise HistoryError(f"{self.path}: database is locked")

    monkeypatch.setattr(History, "record", locked)
    status = cli.main(["--sandbox", "--format", "json", "--record", f"{tmp_path}/h.sqlite3"])
    out, err = capsys.readouterr()
    assert status == 1
    assert len(json.loads(out)["balances"]) == 7, "the fetch is printed all the same"
    assert "this fetch was not recorded" in err and "database is locked" in err

"""The command with several accounts: `--config`, `--account`, `--subaccount ACCOUNT:ID`,
the table's ACCOUNT column and totals, machine formats naming every row's account,
floors over accounts and venues, stderr kept short, `config check`, and the sandbox
simulating each account of a file."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from adapter.domain import Venue
from adapter.sandbox import Fault
from tests.accounts_desk import (
    COINSWITCH_ENV,
    COINSWITCH_FILE,
    FOUR,
    KALSHI_ENCRYPTED,
    KALSHI_PEM,
    accounts_desk,
)
from tests.cli.command import CSV_HEADER, run
from tests.paths import ROOT

EXAMPLE = ROOT / "examples" / "accounts.toml"


def test_the_sandbox_simulates_each_account_of_the_example(tmp_path: Path) -> None:
    """No key file of the example exists here and none of its variables is set: the
    sandbox reads nothing of the file but names, venues and children."""
    result = run("--sandbox", "--config", str(EXAMPLE), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["simulated"] is True and document["errors"] == []
    accounts = [row["account"] for row in document["balances"]]
    assert list(dict.fromkeys(accounts)) == ["us-desk", "us-fund", "in-master", "in-treasury"]
    primary = {
        row["account"]: row["balance"]
        for row in document["balances"]
        if row["venue"] == "kalshi" and row["subaccount"] == 0
    }
    assert primary == {"us-desk": "1500.2500", "us-fund": "3000.5000"}  # numbers of its own
    treasury = [r["subaccount"] for r in document["balances"] if r["account"] == "in-treasury"]
    assert treasury == [1001, 1002]  # the file's `subaccounts`
    totals = {(t["account"], t["venue"]): t for t in document["totals"]}
    assert totals[("us-desk", "kalshi")]["balance"] == "1821.123456"
    assert totals[(None, "kalshi")]["balance"] == "5463.370368"
    assert all(t["complete"] for t in document["totals"])


def test_the_table_names_accounts_and_totals_each_and_each_venue() -> None:
    result = run("--sandbox", "--config", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2].split()[:3] == ["ACCOUNT", "VENUE", "SUBACCOUNT"]
    totals = lines[lines.index("TOTALS") + 1 :]
    rows = [line.split()[:3] for line in totals[1:] if line and not line.isupper()]
    assert ["us-desk", "kalshi", "USD"] in rows and ["(all)", "kalshi", "USD"] in rows
    assert ["(all)", "coinswitch_dma", "USDT"] in rows


def test_csv_appends_the_account_column_and_keeps_the_others_in_place() -> None:
    result = run("--sandbox", "--config", str(EXAMPLE), "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    assert rows[1][0] == "kalshi" and rows[1][-1] == "us-desk"


def test_without_an_accounts_file_the_sandbox_prints_todays_table() -> None:
    result = run("--sandbox")
    assert result.returncode == 0
    readme = (ROOT / "README.md").read_text()
    assert result.stdout.replace(" \n", "\n") in readme  # the README's sample, line for line
    assert not any(line.startswith("ACCOUNT") for line in result.stdout.splitlines())


def test_every_account_read_from_a_desks_file(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        result = run("--config", str(office.path), "--format", "json", env=office.environ)
        assert result.returncode == 0, result.stderr
        rows: dict[str, dict[int | None, str]] = {}
        for row in json.loads(result.stdout)["balances"]:
            rows.setdefault(row["account"], {})[row["subaccount"]] = row["balance"]
        for member in FOUR:
            expected = office.expected(member.name)
            assert {k: str(v) for k, v in expected.items()}.keys() == rows[member.name].keys()


def test_the_failure_matrix_through_the_command(tmp_path: Path) -> None:
    """One account down, one 401, one slower than the deadline, one malformed, and a
    healthy one: its rows intact, each error naming its account, exit 1."""
    healthy = KALSHI_PEM
    members = [healthy, KALSHI_ENCRYPTED, COINSWITCH_ENV, COINSWITCH_FILE]
    with accounts_desk(tmp_path, members) as office:
        office.sandboxes["us-fund"].inject(Venue.KALSHI, Fault(status=401), times=9)
        office.sandboxes["in-master"].latency = 5.0
        office.sandboxes["in-treasury"].stop()
        result = run(
            "--config", str(office.path), "--format", "json", "--timeout", "2",
            env=office.environ,
        )  # fmt: skip
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert {row["account"] for row in document["balances"]} == {"us-desk"}
    failed = {error["account"]: error["kind"] for error in document["errors"]}
    assert failed == {
        "us-fund": "authentication",
        "in-master": "unavailable",
        "in-treasury": "unavailable",
    }
    for name in failed:
        assert f"{name} (" in result.stderr
    totals = {(t["account"], t["venue"]): t["complete"] for t in document["totals"]}
    assert totals[("us-desk", "kalshi")] is True and totals[(None, "kalshi")] is False


def test_account_and_venue_choose_what_is_read(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        env = office.environ
        config = ["--config", str(office.path), "--format", "json"]
        chosen = run(*config, "--account", "us-fund", "--account", "in-master", env=env)
        assert chosen.returncode == 0, chosen.stderr
        names = {row["account"] for row in json.loads(chosen.stdout)["balances"]}
        assert names == {"us-fund", "in-master"}
        venue = run(*config, "--venue", "coinswitch_dma", env=env)
        assert {row["account"] for row in json.loads(venue.stdout)["balances"]} == {
            "in-master",
            "in-treasury",
        }
        unknown = run(*config, "--account", "nobody", env=env)
        assert unknown.returncode == 2 and unknown.stdout == ""
        assert "us-desk, us-fund, in-master, in-treasury" in unknown.stderr
        empty = run(*config, "--account", "us-desk", "--venue", "coinswitch_dma", env=env)
        assert empty.returncode == 2 and "no account to read" in empty.stderr


def test_subaccount_names_its_master_when_several_are_read(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        env, config = office.environ, ["--config", str(office.path), "--format", "json"]
        named = run(*config, "--subaccount", "in-master:1002", env=env)
        assert named.returncode == 0, named.stderr
        rows = json.loads(named.stdout)["balances"]
        assert [(r["account"], r["subaccount"]) for r in rows if r["account"] == "in-master"] == [
            ("in-master", 1002)
        ]
        assert {r["subaccount"] for r in rows if r["account"] == "in-treasury"} == {
            None,
            1001,
            1002,
            1003,
        }
        bare = run(*config, "--subaccount", "1002", env=env)
        assert bare.returncode == 2 and "write ACCOUNT:ID" in bare.stderr
        wrong = run(*config, "--subaccount", "us-desk:1", env=env)
        assert wrong.returncode == 2 and "not a CoinSwitch DMA account" in wrong.stderr


def test_floors_over_accounts_and_venues(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        env, config = office.environ, ["--config", str(office.path)]
        # us-fund's primary holds 3000.5000: below 4000, us-desk's 1500.2500 too.
        kept = run(*config, "--min", "us-fund:0=3000.5000", "--min", "kalshi:total=1", env=env)
        assert kept.returncode == 0, kept.stderr
        broken = run(*config, "--min", "us-desk:total=1821.123457", env=env)
        assert broken.returncode == 3
        assert "below minimum: us-desk (kalshi) total holds 1821.123456 USD" in broken.stderr
        venue = run(*config, "--min", "kalshi:total=5463.370369", env=env)
        assert venue.returncode == 3 and "kalshi total holds 5463.370368" in venue.stderr
        each = run(*config, "--min", "kalshi:0=2000", env=env)
        assert each.returncode == 3 and "us-desk (kalshi) subaccount 0" in each.stderr
        assert "us-fund" not in each.stderr  # its 3000.5000 is above the floor
        unknown = run(*config, "--min", "nobody:total=1", env=env)
        assert unknown.returncode == 2 and "neither a venue nor a configured account" in (
            unknown.stderr
        )
        assert unknown.stdout == ""


def test_a_masters_numeric_id_selects_the_master(tmp_path: Path) -> None:
    """`subaccounts` prints the master with its numeric id (1000); a floor may use it."""
    with accounts_desk(tmp_path, [COINSWITCH_ENV]) as office:
        env, config = office.environ, ["--config", str(office.path)]
        listed = run("subaccounts", *config, "--format", "json", env=env)
        master = next(r for r in json.loads(listed.stdout)["subaccounts"] if r["primary"])
        assert master["subaccount"] == 1000 and master["account"] == "in-master"
        broken = run(*config, "--min", "in-master:1000=1000000", env=env)
        assert broken.returncode == 3, broken.stderr
        assert "in-master (coinswitch_dma) subaccount master holds 10500.25" in broken.stderr
        assert "selects no fetched balance" not in broken.stderr


def test_stderr_keeps_twenty_failures_per_account_then_counts(tmp_path: Path) -> None:
    with accounts_desk(tmp_path, [COINSWITCH_ENV]) as office:
        ids = [f"in-master:{n}" for n in range(5001, 5051)]  # none of them exists: 404
        arguments = [a for n in ids for a in ("--subaccount", n)]
        result = run("--config", str(office.path), *arguments, env=office.environ)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 21
    assert lines[-1] == "error: in-master: 30 more failures (30 not_found)"


def test_a_named_accounts_file_that_is_missing_is_exit_2(tmp_path: Path) -> None:
    for arguments, env in (
        (["--config", str(tmp_path / "none.toml")], {}),
        ([], {"VENUE_BALANCES_CONFIG": str(tmp_path / "none.toml")}),
    ):
        result = run(*arguments, env=env)
        assert result.returncode == 2 and "none.toml does not exist" in result.stderr


def test_a_mistake_in_the_file_is_exit_2_naming_it_and_showing_no_secret(tmp_path: Path) -> None:
    with accounts_desk(tmp_path, [COINSWITCH_ENV]) as office:
        secret = office.environ["IN_MASTER_SECRET"]
        text = office.path.read_text().replace("secret_key_env", "secret_key_env_x")
        office.path.write_text(text)
        for command in ([], ["subaccounts"], ["config", "check"]):
            result = run(*command, "--config", str(office.path), env=office.environ)
            assert result.returncode == 2, command
            assert str(office.path) in result.stderr and "'in-master'" in result.stderr
            assert "secret_key_env_x" in result.stderr
            assert secret not in result.stderr + result.stdout


def test_config_check_lists_accounts_and_what_it_read(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        result = run("config", "check", "--config", str(office.path), env=office.environ)
        assert result.returncode == 0, result.stderr
        for member in FOUR:
            assert member.name in result.stdout
        assert "$US_FUND_PEM_PASSWORD" in result.stdout and "ok: 4 accounts" in result.stdout
        for value in office.environ.values():
            assert value not in result.stdout + result.stderr
        keys = {a for a in result.stdout.split() if a.endswith("...")}
        assert len(keys) == 2  # each master's public key, 8 hex shown
    unset = run("config", "check", "--config", str(office.path))
    assert unset.returncode == 2 and "is not set" in unset.stderr


def test_with_a_file_the_venue_variables_are_ignored_with_one_line(tmp_path: Path) -> None:
    with accounts_desk(tmp_path, [COINSWITCH_ENV]) as office:
        env = {**office.environ, "KALSHI_API_KEY_ID": "stale", "COINSWITCH_DMA_SUBACCOUNTS": "9"}
        result = run("--config", str(office.path), "--format", "json", env=env)
    assert result.returncode == 0
    assert sum("ignoring" in line for line in result.stderr.splitlines()) == 1
    assert "KALSHI_API_KEY_ID" in result.stderr and "stale" not in result.stderr


def test_history_keeps_each_accounts_series(tmp_path: Path) -> None:
    db = str(tmp_path / "history.sqlite3")
    with accounts_desk(tmp_path, [KALSHI_PEM, KALSHI_ENCRYPTED]) as office:
        env = office.environ
        assert run("--config", str(office.path), "--record", db, env=env).returncode == 0
    table = run("history", "--db", db)
    assert table.returncode == 0
    rows = [line.split()[:3] for line in table.stdout.splitlines()]
    assert ["us-desk", "kalshi", "0"] in rows
    assert ["us-fund", "kalshi", "0"] in rows  # two members' subaccount 0: two series
    fund = run("history", "--db", db, "--account", "us-fund", "--format", "json")
    balances = json.loads(fund.stdout)["snapshots"][0]["balances"]
    assert {b["account"] for b in balances} == {"us-fund"}
    assert os.stat(db).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("variable", ["COINSWITCH_DMA_SUBACCOUNTS"])
def test_the_sandbox_applies_the_users_choice_of_children(variable: str) -> None:
    result = run("--sandbox", "--format", "json", env={variable: "1002"})
    assert result.returncode == 0
    rows = json.loads(result.stdout)["balances"]
    assert [r["subaccount"] for r in rows if r["venue"] == "coinswitch_dma"] == [1002]

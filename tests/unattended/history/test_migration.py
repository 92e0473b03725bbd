"""History files of schema version 1 (written before accounts, by that release: the
fixture): read as they are, migrated in place in one transaction after a backup, digit
for digit; a newer version or another program's SQLite file refused untouched; a process
killed mid-migration leaves the old file whole; two processes migrate it once."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter.domain import BalanceReport, SubaccountBalance, Venue
from adapter.unattended.history import SCHEMA_VERSION, History, HistoryError

FIXTURE = Path(__file__).parent / "fixtures" / "history-v1.sqlite3"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A copy of the version-1 file."""
    path = tmp_path / "history.sqlite3"
    shutil.copy(FIXTURE, path)
    path.chmod(0o600)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def amounts(path: Path) -> list[tuple[Any, ...]]:
    """Every recorded amount and its place, as SQLite holds it."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT snapshot.fetched_at, balance.venue, balance.subaccount, balance.balance,"
            " balance.portfolio_value, balance.inr_rate FROM balance JOIN snapshot"
            " ON snapshot.id = balance.snapshot_id ORDER BY balance.id"
        ).fetchall()


def version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def test_the_fixture_is_a_version_1_file() -> None:
    assert version(FIXTURE) == 1 and SCHEMA_VERSION == 2
    assert len(amounts(FIXTURE)) == 9


def test_a_reader_reads_an_old_file_as_it_is_and_writes_nothing(old: Path) -> None:
    before = digest(old)
    history = History(old, create=False)
    snapshots = history.snapshots()
    assert digest(old) == before and version(old) == 1
    assert not list(old.parent.glob("*.bak"))
    assert [len(s.balances) for s in snapshots] == [6, 2, 1]
    first = snapshots[0]
    assert {b.account for b in first.balances} == {"kalshi", "coinswitch_dma"}
    wide = next(b for b in first.balances if b.subaccount == 1001)
    assert wide.balance == Decimal("12345678901234567890.123456789012345678")
    assert str(wide.balance) == "12345678901234567890.123456789012345678"
    assert [e.account for s in snapshots for e in s.errors] == [
        "coinswitch_dma",
        "kalshi",
        "coinswitch_dma",
    ]
    assert len(History(old, create=False).snapshots(accounts=["kalshi"])) == 3
    with pytest.raises(HistoryError, match="reading only"):
        history.record(BalanceReport(balances=[], errors=[]), simulated=False)


def test_a_writer_backs_up_then_migrates_digit_for_digit(old: Path) -> None:
    before_amounts = amounts(old)
    before_snapshots = History(old, create=False).snapshots()
    said: list[str] = []
    history = History(old, notice=said.append)
    backup = old.with_name("history.sqlite3.v1.bak")
    assert version(old) == 2 and version(backup) == 1
    assert amounts(backup) == before_amounts
    assert len(said) == 1 and str(backup) in said[0] and "version 1" in said[0]
    assert amounts(old) == before_amounts  # the same TEXT, every digit
    after = history.snapshots()
    assert [s.balances for s in after] == [s.balances for s in before_snapshots]
    assert [[e.account for e in s.errors] for s in after] == [
        [e.account for e in s.errors] for s in before_snapshots
    ]
    # A new snapshot of an account not named after its venue joins the file.
    row = SubaccountBalance(
        venue=Venue.KALSHI, account="us-fund", subaccount=0, primary=True, currency="USD",
        balance=Decimal("7.00"),
    )  # fmt: skip
    history.record(BalanceReport(balances=[row], errors=[]), simulated=False)
    assert History(old, create=False).snapshots(accounts=["us-fund"])[0].balances == [row]
    History(old, notice=said.append)  # a second writer: nothing to do, nothing said
    assert len(said) == 1


def test_a_migrated_file_has_the_schema_of_a_new_one(old: Path, tmp_path: Path) -> None:
    History(old, notice=lambda line: None)
    History(tmp_path / "new.sqlite3")

    def schema(path: Path) -> list[Any]:
        with sqlite3.connect(path) as connection:
            return connection.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall()

    assert schema(old) == schema(tmp_path / "new.sqlite3")


def test_a_newer_version_is_refused_untouched(old: Path) -> None:
    with sqlite3.connect(old) as connection:
        connection.execute("PRAGMA user_version = 99")
    before = digest(old)
    for create in (True, False):
        with pytest.raises(HistoryError) as caught:
            History(old, create=create)
        text = str(caught.value)
        assert str(old) in text and "version 99" in text and f"1 to {SCHEMA_VERSION}" in text
    assert digest(old) == before


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)")
        connection.execute("INSERT INTO orders (note) VALUES ('keep me')")
    before = digest(path)
    for create in (True, False):
        with pytest.raises(HistoryError, match="not a venue-balances history file"):
            History(path, create=create)
    assert digest(path) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def _migrate_and_die(path: str, ready: Any) -> None:
    """A writer that is killed inside the migration's transaction."""
    from adapter.unattended.history import migrations

    statements = migrations.MIGRATIONS[1]

    class Stall(list[str]):
        def __iter__(self) -> Any:
            for index, statement in enumerate(statements):
                if index == len(statements) - 1:
                    ready.set()
                    time.sleep(60)  # killed here, every other statement run
                yield statement

    migrations.MIGRATIONS[1] = Stall(statements)
    History(path, notice=lambda line: None)


def test_a_writer_killed_mid_migration_leaves_the_old_file_whole(old: Path) -> None:
    before = amounts(old)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    child = context.Process(target=_migrate_and_die, args=(str(old), ready))
    child.start()
    try:
        assert ready.wait(30), "the child never reached the migration"
        os.kill(child.pid or 0, signal.SIGKILL)
    finally:
        child.join(10)
    assert version(old) == 1  # nothing of the transaction committed
    assert History(old, create=False).snapshots()[0].balances  # still read as version 1
    assert amounts(old) == before
    History(old, notice=lambda line: None)  # and migrated, cleanly, the next time
    assert version(old) == 2 and amounts(old) == before


def _open_writer(path: str, said: Any) -> None:
    History(path, notice=lambda line: said.put(line))


def test_two_processes_opening_an_old_file_at_once_migrate_it_once(old: Path) -> None:
    before = amounts(old)
    context = multiprocessing.get_context("spawn")
    said = context.Queue()
    writers = [context.Process(target=_open_writer, args=(str(old), said)) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    lines = []
    while not said.empty():
        lines.append(said.get())
    assert len(lines) == 1, lines  # one backup, one migration
    assert version(old) == 2 and amounts(old) == before


def test_a_new_history_is_its_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    History(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_writer_tightens_an_older_file_others_may_read(old: Path) -> None:
    old.chmod(0o644)
    said: list[str] = []
    History(old, notice=said.append)
    assert old.stat().st_mode & 0o777 == 0o600
    assert any("readable by group or others" in line for line in said)

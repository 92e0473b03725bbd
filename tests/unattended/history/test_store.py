"""History in SQLite: exact round trips, WAL, schema version, concurrent access, failures."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapter.domain import BalanceReport, ShardBalance, SubaccountBalance, Venue
from adapter.errors import AdapterError, MalformedResponseError, VenueUnavailableError
from adapter.unattended.history import SCHEMA_VERSION, History, HistoryError, Snapshot, default_path
from tests.unattended.samples import DAY, T0, failure, kalshi, report, three_reports


def assert_same_errors(snapshot: Snapshot, expected: BalanceReport) -> None:
    assert len(snapshot.errors) == len(expected.errors)
    for got, want in zip(snapshot.errors, expected.errors, strict=True):
        assert (got.venue, got.subaccount) == (want.venue, want.subaccount)
        assert type(got.error) is type(want.error)
        for attribute in ("kind", "status", "message", "endpoint", "venue"):
            assert getattr(got.error, attribute) == getattr(want.error, attribute)


def test_three_reports_come_back_exactly(history: History) -> None:
    reports = three_reports()
    ids = [history.record(r, simulated=i == 1) for i, r in enumerate(reports)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    snapshots = history.snapshots()

    assert [s.id for s in snapshots] == ids
    assert [s.simulated for s in snapshots] == [False, True, False]
    for snapshot, expected in zip(snapshots, reports, strict=True):
        assert snapshot.fetched_at == expected.fetched_at
        assert snapshot.balances == expected.balances  # every field, shards and assets too
        assert_same_errors(snapshot, expected)
    # Equal is not enough for Decimal: the digits themselves must survive.
    first = snapshots[0].balances
    assert str(first[0].balance) == "123456789012345678901234.567891"
    assert str(first[0].shards[1].balance) == "-0.00"
    assert str(first[1].balance) == "-0.00"
    assert first[1].balance.is_signed()
    assert str(first[3].balance) == "0.000001"
    assert first[2].assets[0].wallet_balance_inr == Decimal("1E-31")
    assert first[2].assets[0].wallet_balance_inr.as_tuple().exponent == -31


def test_amounts_are_stored_as_text_with_the_venues_digits(history: History) -> None:
    history.record(three_reports()[0], simulated=False)
    with sqlite3.connect(history.path) as connection:
        rows = connection.execute("SELECT typeof(balance), balance FROM balance").fetchall()
        shards = connection.execute("SELECT balance FROM shard ORDER BY position").fetchall()
    assert rows == [
        ("text", "123456789012345678901234.567891"),
        ("text", "-0.00"),
        ("text", "5000.00"),
        ("text", "0.000001"),
    ]
    assert shards == [("123456789012345678901234.567891",), ("-0.00",)]


def test_error_messages_come_back_as_recorded(history: History) -> None:
    # AuthenticationError appends a hint when built; reading back must not append it twice.
    original = three_reports()[1].errors[0].error
    history.record(three_reports()[1], simulated=False)
    [snapshot] = history.snapshots()
    assert snapshot.errors[0].error.message == original.message
    assert str(snapshot.errors[0].error) == str(original)


def test_an_unknown_error_kind_is_kept(history: History) -> None:
    class FutureError(AdapterError):
        kind = "from_the_future"

    history.record(
        report(errors=(failure(Venue.KALSHI, None, FutureError("new", venue="kalshi")),)),
        simulated=False,
    )
    [snapshot] = history.snapshots()
    assert snapshot.errors[0].error.kind == "from_the_future"
    assert isinstance(snapshot.errors[0].error, AdapterError)


def test_malformed_errors_keep_their_class(history: History) -> None:
    error = MalformedResponseError("balance: not a numeral", venue="kalshi", field="balance")
    history.record(report(errors=(failure(Venue.KALSHI, 2, error),)), simulated=False)
    [snapshot] = history.snapshots()
    assert isinstance(snapshot.errors[0].error, MalformedResponseError)
    assert snapshot.errors[0].error.kind == "malformed"


def test_wal_mode_and_schema_version(history: History) -> None:
    assert history.journal_mode() == "wal"
    with sqlite3.connect(history.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert SCHEMA_VERSION == 2  # 1 before accounts (test_migration.py)
    # Opening again leaves an existing file (and what it holds) alone.
    history.record(three_reports()[0], simulated=False)
    assert len(History(history.path).snapshots()) == 1


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer"):
        History(path)


def test_reading_never_creates_a_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite3"
    with pytest.raises(HistoryError, match=r"no history at .*typo\.sqlite3"):
        History(path, create=False)
    assert not path.exists()


def test_reading_refuses_a_file_that_is_not_history(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(HistoryError, match="not a venue-balances history"):
        History(path, create=False)
    with sqlite3.connect(path) as connection:  # and did not add its tables to it
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert tables.fetchall() == [("notes",)]


def test_the_default_path_is_in_the_user_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "venue-balances" / "history.sqlite3"
    history = History()
    assert history.path == default_path()
    assert history.path.is_file()


def test_a_reader_is_not_blocked_by_a_writer_holding_the_lock(history: History) -> None:
    history.record(three_reports()[0], simulated=False)
    reader = History(history.path, busy_timeout=0.05)
    with sqlite3.connect(history.path, isolation_level=None) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO snapshot (fetched_at, simulated) VALUES ('2030-01-01', 0)")
        # The uncommitted snapshot is invisible, and reading does not wait for the lock.
        assert [s.id for s in reader.snapshots()] == [1]
        writer.execute("ROLLBACK")


def test_a_writer_is_not_blocked_by_an_open_read(history: History) -> None:
    history.record(three_reports()[0], simulated=False)
    with sqlite3.connect(history.path, isolation_level=None) as reader:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM snapshot").fetchone() == (1,)
        History(history.path, busy_timeout=0.05).record(three_reports()[1], simulated=False)
        # The open read still sees what it started with.
        assert reader.execute("SELECT count(*) FROM snapshot").fetchone() == (1,)
        reader.execute("COMMIT")
    assert len(history.snapshots()) == 2


def test_readers_see_whole_snapshots_while_a_writer_appends(history: History) -> None:
    rows = [kalshi(n, f"{n}.00") for n in range(20)]
    done = threading.Event()
    seen: list[int] = []
    problems: list[object] = []

    def read() -> None:
        try:
            while not done.is_set():
                snapshots = history.snapshots()
                seen.append(len(snapshots))
                problems.extend(s.id for s in snapshots if s.balances != rows)
        except Exception as exc:  # reported below, not lost in the thread
            problems.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(30):
            history.record(report(*rows, at=T0 + i * DAY), simulated=False)
    finally:
        done.set()
        reader.join()
    assert problems == []
    assert seen == sorted(seen) and len(seen) > 1
    assert len(history.snapshots()) == 30


def test_a_failed_write_records_nothing(history: History) -> None:
    broken = report(kalshi(0, "1.00"), errors=(failure(Venue.KALSHI, 1, ValueError("x")),))
    with pytest.raises(AttributeError):
        history.record(broken, simulated=False)
    assert history.snapshots() == []


def test_sqlite_failures_are_history_errors(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match=r"history\.sqlite3"):
        History(path)


def test_an_error_without_a_status_survives(history: History) -> None:
    error = VenueUnavailableError("deadline passed", venue="kalshi", status=None)
    history.record(report(errors=(failure(Venue.KALSHI, None, error),)), simulated=False)
    [snapshot] = history.snapshots()
    assert (snapshot.errors[0].error.kind, snapshot.errors[0].error.status) == ("unavailable", None)


def test_history_turns_an_out_of_range_integer_into_a_history_error(tmp_path: object) -> None:
    shard = ShardBalance(exchange_index=2**64, balance=Decimal("1"))
    balance = SubaccountBalance(
        venue=Venue.KALSHI, subaccount=0, primary=True, currency="USD",
        balance=Decimal("1"), shards=(shard,),
    )  # fmt: skip
    report = BalanceReport(balances=[balance], errors=[], fetched_at=datetime.now(UTC))
    with pytest.raises(HistoryError):
        History(f"{tmp_path}/h.sqlite3").record(report, simulated=False)

"""History in SQLite: exact round trips, WAL, schema version, filters, concurrent access."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapter.domain import BalanceReport, Venue
from adapter.errors import (
    AdapterError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    VenueUnavailableError,
)
from adapter.unattended.history import (
    SCHEMA_VERSION,
    History,
    HistoryError,
    Snapshot,
    default_path,
    parse_duration,
    series,
)
from tests.samples import (
    DAY,
    T0,
    THIRTY_DIGITS,
    coinswitch,
    failure,
    full_coinswitch,
    full_kalshi,
    kalshi,
    report,
)


def three_reports() -> list[BalanceReport]:
    return [
        report(
            full_kalshi(0, THIRTY_DIGITS),
            kalshi(3, "-0.00"),
            full_coinswitch(None, "5000.00"),
            full_coinswitch(1001, "0.000001"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    9999,
                    NotFoundError("subaccount not found", venue="coinswitch_dma", status=404),
                ),
            ),
            at=T0,
        ),
        report(
            kalshi(0, "1500.2500"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    None,
                    AuthenticationError(
                        "bad signature",
                        venue="coinswitch_dma",
                        endpoint="GET /dma/api/v1/master/balance",
                        status=401,
                    ),
                ),
            ),
            at=T0 + DAY + timedelta(microseconds=7),
        ),
        report(at=T0 + 2 * DAY),
    ]


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "nested" / "history.sqlite3")


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
    assert SCHEMA_VERSION == 1
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


def test_since_keeps_snapshots_at_or_after_it(history: History) -> None:
    for r in three_reports():
        history.record(r, simulated=False)
    assert [s.fetched_at for s in history.snapshots(since=T0 + DAY)] == [
        T0 + DAY + timedelta(microseconds=7),
        T0 + 2 * DAY,
    ]
    # Microseconds count: a boundary just after a snapshot leaves it out.
    after = history.snapshots(since=T0 + DAY + timedelta(microseconds=8))
    assert [s.fetched_at for s in after] == [T0 + 2 * DAY]
    assert history.snapshots(since=T0 + 3 * DAY) == []


def test_since_must_be_aware(history: History) -> None:
    with pytest.raises(ValueError, match="naive"):
        history.snapshots(since=T0.replace(tzinfo=None))


def test_the_master_can_be_selected(history: History) -> None:
    for r in three_reports():
        history.record(r, simulated=False)

    # The master's balance in the first snapshot, its failure in the second.
    [fetched, failed] = history.snapshots(subaccounts=[None])
    assert [(b.venue, b.subaccount) for b in fetched.balances] == [(Venue.COINSWITCH_DMA, None)]
    assert fetched.errors == []
    assert failed.balances == []
    assert [(e.venue, e.subaccount, e.error.kind) for e in failed.errors] == [
        (Venue.COINSWITCH_DMA, None, "authentication")
    ]

    # A venue's failure that names no subaccount concerns every subaccount filter.
    master_and_child = history.snapshots(venues=[Venue.COINSWITCH_DMA], subaccounts=[None, 1001])
    assert [[(b.venue, b.subaccount) for b in s.balances] for s in master_and_child] == [
        [(Venue.COINSWITCH_DMA, None), (Venue.COINSWITCH_DMA, 1001)],
        [],
    ]
    assert [[e.subaccount for e in s.errors] for s in master_and_child] == [[], [None]]

    kalshi_zero = history.snapshots(venues=[Venue.KALSHI], subaccounts=[0])
    assert [[str(b.balance) for b in s.balances] for s in kalshi_zero] == [
        ["123456789012345678901234.567891"],
        ["1500.2500"],
    ]
    assert all(s.errors == [] for s in kalshi_zero)


def test_unfiltered_reads_keep_empty_snapshots(history: History) -> None:
    history.record(report(at=T0), simulated=False)
    assert [s.balances for s in history.snapshots()] == [[]]
    assert history.snapshots(venues=[Venue.KALSHI]) == []


def test_a_failed_write_records_nothing(history: History) -> None:
    broken = report(kalshi(0, "1.00"), errors=(failure(Venue.KALSHI, 1, ValueError("x")),))
    with pytest.raises(AttributeError):
        history.record(broken, simulated=False)
    assert history.snapshots() == []


def test_series_first_last_and_exact_change(history: History) -> None:
    big = Decimal("999999999999999999999999999999.99")
    history.record(report(kalshi(0, "5.00"), coinswitch(None, "10.00"), at=T0), simulated=True)
    history.record(report(kalshi(0, str(big)), at=T0 + DAY), simulated=False)
    history.record(
        report(kalshi(0, "0.02"), coinswitch(None, "7.5"), at=T0 + 2 * DAY), simulated=False
    )

    [master, master_simulated, zero, zero_simulated] = history.series()

    assert (master.venue, master.subaccount, master.currency) == (
        Venue.COINSWITCH_DMA,
        None,
        "USDT",
    )
    # The sandbox's numbers never join a real series: each kind makes its own.
    assert (master.first, master.last, str(master.change)) == (
        Decimal("7.5"),
        Decimal("7.5"),
        "0.0",
    )
    assert not master.simulated and master_simulated.simulated
    assert [p.at for p in master_simulated.points] == [T0]
    assert master_simulated.first == Decimal("10.00")
    assert str(zero.change) == "-999999999999999999999999999999.97"  # 32 digits, exact
    assert len(zero.points) == 2 and not zero.simulated
    assert zero_simulated.first == Decimal("5.00") and zero_simulated.simulated
    assert not any(s.simulated for s in series(history.snapshots(since=T0 + DAY)))


def test_series_order_master_first_then_numbers() -> None:
    snapshots = [
        Snapshot(
            id=1,
            fetched_at=T0,
            simulated=False,
            balances=[
                coinswitch(1002, "1"),
                kalshi(10, "1"),
                coinswitch(None, "1"),
                kalshi(2, "1"),
            ],
            errors=[],
        )
    ]
    assert [(s.venue.value, s.subaccount) for s in series(snapshots)] == [
        ("coinswitch_dma", None),
        ("coinswitch_dma", 1002),
        ("kalshi", 2),
        ("kalshi", 10),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "d", "0d", "-1d", "1.5h", "7 d", "7D", "1y", "7d12h", "99999999w", "\u0667d"]
)
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration: .*30m, 24h, 7d, 2w"):
        parse_duration(text)


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

"""Reading the history back: the window `since`, filters, each balance's series, durations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from adapter.domain import Venue
from adapter.unattended.history import History, Snapshot, parse_duration, series
from tests.unattended.samples import DAY, T0, coinswitch, kalshi, report, three_reports


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

"""The history command's formats: table, json, csv (fetch's objects and columns), chart."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapter import render
from adapter.domain import BalanceReport, SubaccountBalance, Venue
from adapter.errors import NotFoundError, VenueUnavailableError
from adapter.unattended.history import History, Snapshot
from adapter.unattended.history.render import (
    HISTORY_CSV_HEADER,
    as_chart,
    as_csv,
    as_json,
    as_table,
    render_history,
)
from tests.unattended.samples import (
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


def recorded() -> list[BalanceReport]:
    return [
        report(
            full_kalshi(0, THIRTY_DIGITS),
            kalshi(1, "10.00"),
            full_coinswitch(None, "5000.00"),
            at=T0,
        ),
        report(
            kalshi(0, "1500.2500"),
            kalshi(1, "9.00"),
            coinswitch(1001, "12.75"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    None,
                    VenueUnavailableError("timed out", venue="coinswitch_dma"),
                ),
            ),
            at=T0 + DAY,
        ),
        report(
            kalshi(0, "1600.2500"),
            kalshi(1, "11.00"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    None,
                    VenueUnavailableError("timed out", venue="coinswitch_dma"),
                ),
                failure(
                    Venue.KALSHI, 7, NotFoundError("no such subaccount", venue="kalshi", status=404)
                ),
            ),
            at=T0 + 2 * DAY,
        ),
    ]


@pytest.fixture
def snapshots(tmp_path: Path) -> list[Snapshot]:
    history = History(tmp_path / "history.sqlite3")
    for i, r in enumerate(recorded()):
        history.record(r, simulated=i == 0)
    return history.snapshots()


def test_json_objects_are_fetchs_own(snapshots: list[Snapshot]) -> None:
    document = json.loads(as_json(snapshots))

    assert list(document) == ["snapshots"]
    assert [s["snapshot_id"] for s in document["snapshots"]] == [1, 2, 3]
    assert [s["fetched_at"] for s in document["snapshots"]] == [
        "2026-11-20T10:00:00Z",
        "2026-11-21T10:00:00Z",
        "2026-11-22T10:00:00Z",
    ]
    assert [s["simulated"] for s in document["snapshots"]] == [True, False, False]
    for got, original in zip(document["snapshots"], recorded(), strict=True):
        assert list(got) == ["snapshot_id", "fetched_at", "simulated", "balances", "errors"]
        # Exactly what fetch's JSON prints for the report that was recorded.
        fetched = json.loads(render.as_json(original))
        assert got["balances"] == fetched["balances"]
        assert got["errors"] == fetched["errors"]
    assert document["snapshots"][0]["balances"][0]["balance"] == "123456789012345678901234.567891"


def test_csv_rows_are_fetchs_rows_after_the_snapshot_columns(snapshots: list[Snapshot]) -> None:
    rows = list(csv.reader(io.StringIO(as_csv(snapshots))))

    assert rows[0] == ["snapshot_id", "fetched_at", "simulated", *render.CSV_HEADER]
    assert rows[0] == HISTORY_CSV_HEADER
    fetched_rows = [
        (
            str(n + 1),
            r.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "true" if n == 0 else "false",
            row,
        )
        for n, r in enumerate(recorded())
        for row in list(csv.reader(io.StringIO(render.as_csv(r))))[1:]
    ]
    assert rows[1:] == [[*head, *row] for *head, row in fetched_rows]
    assert len(rows) == 1 + 8
    assert rows[3][3:6] == ["coinswitch_dma", "", "true"]  # the master: empty subaccount


def test_table_shows_each_series_first_last_change(snapshots: list[Snapshot]) -> None:
    table = as_table(snapshots, since=T0 - DAY)
    lines = table.splitlines()

    assert lines[0] == (
        "3 snapshots since 2026-11-19 10:00 UTC (first 2026-11-20 10:00, last 2026-11-22 10:00 UTC)"
    )
    assert lines[1].split() == [
        "VENUE",
        "SUBACCOUNT",
        "CURRENCY",
        "FIRST",
        "LAST",
        "CHANGE",
        "POINTS",
        "SIMULATED",
    ]
    rows = [line.split() for line in lines[2:8]]
    # The first snapshot is simulated: its balances make series of their own.
    assert rows == [
        ["coinswitch_dma", "master", "USDT", "5000.00", "5000.00", "0.00", "1", "yes"],
        ["coinswitch_dma", "1001", "USDT", "12.75", "12.75", "0.00", "1", "no"],
        ["kalshi", "0", "USD", "1500.2500", "1600.2500", "+100.0000", "2", "no"],
        [
            "kalshi",
            "0",
            "USD",
            "123456789012345678901234.567891",
            "123456789012345678901234.567891",
            "0.000000",
            "1",
            "yes",
        ],
        ["kalshi", "1", "USD", "9.00", "11.00", "+2.00", "2", "no"],
        ["kalshi", "1", "USD", "10.00", "10.00", "0.00", "1", "yes"],
    ]
    errors = lines[lines.index("FETCH ERRORS") + 1 :]
    assert [line.split() for line in errors] == [
        ["VENUE", "SUBACCOUNT", "KIND", "TIMES", "LAST", "(UTC)"],
        # No subaccount named: the whole account's failure (or its master's), never called
        # `master` for an account that has none.
        ["coinswitch_dma", "-", "unavailable", "2", "2026-11-22", "10:00"],
        ["kalshi", "7", "not_found", "1", "2026-11-22", "10:00"],
    ]


def test_table_and_chart_of_nothing_say_so() -> None:
    assert as_table([], since=T0) == "No balances recorded since 2026-11-20 10:00 UTC.\n"
    assert as_chart([], since=T0) == "No balances recorded since 2026-11-20 10:00 UTC.\n"
    assert as_chart([]) == "No balances recorded.\n"
    assert json.loads(as_json([])) == {"snapshots": []}
    assert as_csv([]) == ",".join(HISTORY_CSV_HEADER) + "\n"


def test_chart_fits_80_columns_with_dates_on_the_x_axis(snapshots: list[Snapshot]) -> None:
    chart = as_chart(snapshots)
    lines = chart.splitlines()

    assert max(len(line) for line in lines) <= 80
    assert "\x1b" not in chart  # no colour codes
    headings = [line for line in lines if line.startswith(("kalshi", "coinswitch_dma"))]
    assert headings == [
        "coinswitch_dma master USDT (simulated)",
        "coinswitch_dma 1001 USDT",
        "kalshi 0 USD",
        "kalshi 0 USD (simulated)",
        "kalshi 1 USD",
        "kalshi 1 USD (simulated)",
    ]
    assert "9.00 -> 11.00 (+2.00), 2 points" in lines
    axis = [line for line in lines if "11-21 10:00" in line and "11-22 10:00" in line]
    assert len(axis) == 2  # the two real Kalshi series span the last two days
    assert sum(1 for line in lines if "┤" in line) >= 6 * 5  # a y axis with ticks per chart


def test_chart_of_a_single_point(snapshots: list[Snapshot]) -> None:
    chart = as_chart([snapshots[1]], width=60)
    lines = chart.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "12.75 -> 12.75 (0.00), 1 point" in lines
    # An hour around the point, so the axis still reads as dates.
    assert "11-21 09:30" in chart and "11-21 10:30" in chart
    assert sum(line.count("o") for line in lines if "┤" in line or "│" in line) >= 1


def test_chart_with_long_amounts_still_fits() -> None:
    huge = "9" * 70 + ".99"
    snapshot = Snapshot(id=1, fetched_at=T0, simulated=False, balances=[kalshi(0, huge)], errors=[])
    other = Snapshot(
        id=2, fetched_at=T0 + DAY, simulated=False, balances=[kalshi(0, "-" + huge)], errors=[]
    )
    lines = as_chart([snapshot, other]).splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "".join(lines[1:4]).replace(" ", "").startswith(huge)  # wrapped, not cut


def test_render_history_dispatches_and_refuses_unknown_formats(
    snapshots: list[Snapshot],
) -> None:
    assert render_history(snapshots, "json") == as_json(snapshots)
    assert render_history(snapshots, "csv") == as_csv(snapshots)
    assert render_history(snapshots, "table", since=T0) == as_table(snapshots, since=T0)
    assert render_history(snapshots, "chart", width=70) == as_chart(snapshots, width=70)
    with pytest.raises(ValueError, match="not a history format: 'xml'"):
        render_history(snapshots, "xml")


def test_a_chart_of_amounts_past_float_range_says_so() -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    snapshots = [
        Snapshot(
            id=i,
            fetched_at=start + timedelta(hours=i),
            simulated=False,
            balances=[
                SubaccountBalance(
                    venue=Venue.KALSHI,
                    subaccount=0,
                    primary=True,
                    currency="USD",
                    balance=Decimal("9" * 400) + i,
                )
            ],
            errors=[],
        )
        for i in range(1, 3)
    ]
    chart = as_chart(snapshots)
    assert "too large to draw" in chart and "kalshi 0 USD" in chart

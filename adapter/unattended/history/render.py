"""The `history` command's four output formats (table, json, csv, chart) of recorded snapshots.

    from adapter.unattended.history import History, parse_duration
    from adapter.unattended.history.render import render_history

    since = datetime.now(UTC) - parse_duration(args.since)         # default "7d"
    snapshots = History(args.db, create=False).snapshots(
        since=since, venues=..., subaccounts=...                     # parse_subaccount("master")
    )
    sys.stdout.write(render_history(snapshots, args.format, since=since))

- `table`: one row per (venue, subaccount, currency) series: first, last, change and the
  number of points, `SIMULATED yes` when any snapshot behind it came from `--sandbox`; then
  the fetch errors of the window, counted per (venue, subaccount, kind).
- `json`: `{"snapshots": [{"snapshot_id", "fetched_at", "simulated", "balances", "errors"}]}`,
  each balance and error exactly as fetch's JSON prints it (`render.balance_json`/`error_json`).
- `csv`: `snapshot_id,fetched_at,simulated` then fetch's CSV columns, one row per balance.
- `chart`: one plotext line chart per series, dates (UTC) on the x axis, `width` columns wide
  (80 by default), without colour codes. Chart values are floats, for drawing only. plotext
  draws on one global figure, so charts must not be built from two threads at once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import plotext

from adapter.domain import FetchError, subaccount_label
from adapter.render import (
    CSV_HEADER,
    aligned,
    balance_json,
    csv_cell,
    error_json,
    grid,
    numeral,
    timestamp,
)
from adapter.unattended.history.reader import Series, Snapshot, series

__all__ = [
    "FORMATS",
    "HISTORY_CSV_HEADER",
    "as_chart",
    "as_csv",
    "as_json",
    "as_table",
    "render_history",
]

FORMATS = ("table", "json", "csv", "chart")

HISTORY_CSV_HEADER = ["snapshot_id", "fetched_at", "simulated", *CSV_HEADER]


def render_history(
    snapshots: Sequence[Snapshot], output: str, *, since: datetime | None = None, width: int = 80
) -> str:
    """The snapshots in one of `FORMATS`; `since` only words the empty and table headings."""
    if output == "table":
        return as_table(snapshots, since=since)
    if output == "json":
        return as_json(snapshots)
    if output == "csv":
        return as_csv(snapshots)
    if output == "chart":
        return as_chart(snapshots, since=since, width=width)
    raise ValueError(f"not a history format: {output!r} (one of {', '.join(FORMATS)})")


def as_json(snapshots: Sequence[Snapshot]) -> str:
    document = {
        "snapshots": [
            {
                "snapshot_id": snapshot.id,
                "fetched_at": timestamp(snapshot.fetched_at),
                "simulated": snapshot.simulated,
                "balances": [balance_json(balance) for balance in snapshot.balances],
                "errors": [_error_json(failure) for failure in snapshot.errors],
            }
            for snapshot in snapshots
        ]
    }
    return json.dumps(document, indent=2) + "\n"


def _error_json(failure: FetchError) -> dict[str, Any]:
    """As fetch prints an error; a row counting the errors past the cap also says how many."""
    document = error_json(failure)
    count = getattr(failure.error, "count", None)
    if count is not None:
        document["count"] = count
    return document


def as_csv(snapshots: Sequence[Snapshot]) -> str:
    cell = csv_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_CSV_HEADER)
    for snapshot in snapshots:
        head = [str(snapshot.id), timestamp(snapshot.fetched_at), cell(snapshot.simulated)]
        for balance in snapshot.balances:
            row = balance_json(balance)
            writer.writerow([*head, *(cell(row[column]) for column in CSV_HEADER)])
    return out.getvalue()


def _nothing(since: datetime | None) -> str:
    return f"No balances recorded{_window(since)}.\n"


def _window(since: datetime | None) -> str:
    return "" if since is None else f" since {_minute(since)} UTC"


def _minute(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def as_table(snapshots: Sequence[Snapshot], *, since: datetime | None = None) -> str:
    lines = []
    all_series = series(snapshots)
    if all_series:
        times = sorted(snapshot.fetched_at for snapshot in snapshots)
        lines.append(
            f"{len(snapshots)} snapshots{_window(since)}"
            f" (first {_minute(times[0])}, last {_minute(times[-1])} UTC)"
        )
        columns = [
            aligned([numeral(s.first) or "" for s in all_series]),
            aligned([numeral(s.last) or "" for s in all_series]),
            aligned([_signed(s) for s in all_series]),
        ]
        named = any(s.account != s.venue for s in all_series)
        rows = [
            [
                *[s.account] * named,
                str(s.venue),
                subaccount_label(s.subaccount),
                s.currency,
                *(column[i] for column in columns),
                str(len(s.points)),
                "yes" if s.simulated else "no",
            ]
            for i, s in enumerate(all_series)
        ]
        header = ["VENUE", "SUBACCOUNT", "CURRENCY", "FIRST", "LAST", "CHANGE", "POINTS"]
        header = ["ACCOUNT"] * named + header
        right = {3 + named, 4 + named, 5 + named, 6 + named}
        lines += grid([*header, "SIMULATED"], rows, right=right)
    else:
        lines.append(_nothing(since).rstrip("\n"))

    failures: dict[tuple[str, str, str, str], list[datetime]] = {}
    for snapshot in snapshots:
        for failure in snapshot.errors:
            where = _failed(failure)
            key = (failure.account, str(failure.venue), where, failure.error.kind)
            failures.setdefault(key, []).append(snapshot.fetched_at)
    if failures:
        named = any(account != venue for account, venue, _, _ in failures)
        error_rows = [
            [*key[1 - named :], str(len(times)), _minute(max(times))]
            for key, times in failures.items()
        ]
        header = [*["ACCOUNT"] * named, "VENUE", "SUBACCOUNT", "KIND", "TIMES", "LAST (UTC)"]
        lines += ["", "FETCH ERRORS", *grid(header, error_rows, right={3 + named})]
    return "\n".join(lines) + "\n"


def _failed(failure: FetchError) -> str:
    """What a failure cost, as the table says it: a subaccount, or `-` for one that names
    none (the whole account's, or its master's own balance): never `master` for an account
    that has no master."""
    return "-" if failure.subaccount is None else subaccount_label(failure.subaccount)


def _points(s: Series) -> str:
    return "1 point" if len(s.points) == 1 else f"{len(s.points)} points"


def _signed(s: Series) -> str:
    """The change with its sign, so that a rise and a fall read differently at a glance."""
    change = s.change
    return f"+{numeral(change)}" if change > 0 else numeral(change) or ""


def as_chart(
    snapshots: Sequence[Snapshot],
    *,
    since: datetime | None = None,
    width: int = 80,
    height: int = 14,
) -> str:
    """One chart per series, each `width` columns and `height` lines, separated by a blank line."""
    all_series = series(snapshots)
    if not all_series:
        return _nothing(since)
    return "\n".join(_chart(s, width=width, height=height) for s in all_series)


def _chart(s: Series, *, width: int, height: int) -> str:
    times = [point.at.timestamp() for point in s.points]
    values = [float(point.balance) for point in s.points]  # drawing only; money stays Decimal
    who = f"{s.account} ({s.venue})" if s.account != s.venue else str(s.venue)
    heading = f"{who} {subaccount_label(s.subaccount)} {s.currency}"
    heading += " (simulated)" if s.simulated else ""
    summary = f"{numeral(s.first)} -> {numeral(s.last)} ({_signed(s)}), {_points(s)}"
    if not all(math.isfinite(value) for value in values):
        lines = [heading, summary, "(amounts too large to draw; the table shows them)"]
        return "\n".join(textwrap.fill(line, width) for line in lines) + "\n"
    start, end = times[0], times[-1]
    if start == end:  # one point (or one instant): an hour around it
        start, end = start - 1800, end + 1800
    ticks = [start + (end - start) * i / 3 for i in range(4)]
    form = "%m-%d %H:%M" if end - start <= 60 * 86400 else "%Y-%m-%d"
    # The heading is ours, not plotext's title, which vanishes when it does not fit.
    plotext.clear_figure()
    try:
        plotext.plot_size(width, height)
        plotext.theme("clear")  # no colour codes: the text also goes to files and pipes
        plotext.plot(times, values, marker="braille" if len(values) > 1 else "o")
        plotext.xlim(start, end)
        plotext.xticks(ticks, [datetime.fromtimestamp(t, UTC).strftime(form) for t in ticks])
        plotext.xlabel("UTC")
        text = str(plotext.uncolorize(plotext.build()))
    finally:
        plotext.clear_figure()
    lines = [*textwrap.wrap(heading, width), *textwrap.wrap(summary, width)]
    lines += [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines) + "\n"

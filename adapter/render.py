"""The CLI's output formats (table, json, csv) of a `BalanceReport`.

A total that misses a failed subaccount or venue says so (table: a NOTE; JSON: `errors`;
CSV has no room for it: the exit status is 1 and each failure is a line on stderr).
Every text cell of a table or CSV, and every stderr line, goes through `printable`: a
venue's text (a coin symbol, an error message) could otherwise move the cursor, forge a
row or reorder a line on the reader's terminal. JSON escapes such characters by itself.

Its length (about 270 lines) is the table: aligned amounts, the SHARDS, TOTALS and ASSETS
sections and their notes, next to the JSON and CSV forms they must agree with.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapter.domain import BalanceReport, FetchError, SubaccountBalance, subaccount_label
from adapter.fields import exact_sum, printable

__all__ = [
    "CSV_HEADER",
    "FORMATS",
    "aligned",
    "as_csv",
    "as_json",
    "as_table",
    "csv_cell",
    "failure_line",
    "grid",
    "label",
    "table_text",
]

CSV_HEADER = [
    "venue",
    "subaccount",
    "primary",
    "currency",
    "balance",
    "updated_at",
    "active",
    "inr_rate",
    "portfolio_value",
]


def numeral(value: Decimal | None) -> str | None:
    """An amount as the venue wrote it: fixed-point, never exponent notation."""
    return None if value is None else format(value, "f")


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a Z."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def balance_json(balance: SubaccountBalance) -> dict[str, Any]:
    return {
        "venue": str(balance.venue),
        "subaccount": balance.subaccount,
        "primary": balance.primary,
        "currency": balance.currency,
        "balance": numeral(balance.balance),
        "portfolio_value": numeral(balance.portfolio_value),
        "shards": [
            {"exchange_index": shard.exchange_index, "balance": numeral(shard.balance)}
            for shard in balance.shards
        ],
        "updated_at": timestamp(balance.updated_at),
        "active": balance.active,
        "inr_rate": numeral(balance.inr_rate),
        "assets": [
            {
                "asset": asset.asset,
                "equity": numeral(asset.equity),
                "wallet_balance": numeral(asset.wallet_balance),
                "unrealised_pnl": numeral(asset.unrealised_pnl),
                "equity_inr": numeral(asset.equity_inr),
                "wallet_balance_inr": numeral(asset.wallet_balance_inr),
                "unrealised_pnl_inr": numeral(asset.unrealised_pnl_inr),
            }
            for asset in balance.assets
        ],
    }


def error_json(failure: FetchError) -> dict[str, Any]:
    return {
        "venue": str(failure.venue),
        "subaccount": failure.subaccount,
        "kind": failure.error.kind,
        "status": failure.error.status,
        "message": failure.error.message,
    }


def as_json(report: BalanceReport, *, simulated: bool = False) -> str:
    document = {
        "fetched_at": timestamp(report.fetched_at),
        "simulated": simulated,
        "balances": [balance_json(balance) for balance in report.balances],
        "errors": [error_json(failure) for failure in report.errors],
    }
    return json.dumps(document, indent=2) + "\n"


def _text(value: object, *, null: str, true: str, false: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        return true if value else false
    return str(value)


def csv_cell(value: object) -> str:
    """A CSV field: booleans `true`/`false`, null an empty field; made printable."""
    return printable(_text(value, null="", true="true", false="false"))


def table_text(value: object) -> str:
    """A table cell: booleans `yes`/`no`, null `-`."""
    return _text(value, null="-", true="yes", false="no")


def as_csv(report: BalanceReport, *, simulated: bool = False) -> str:
    cell = csv_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for balance in report.balances:
        row = balance_json(balance)
        writer.writerow([cell(row[column]) for column in CSV_HEADER])
    return out.getvalue()


def failure_line(failure: FetchError) -> str:
    """One line for stderr: what could not be fetched, and why."""
    return printable(f"error: {failure.error}")


def aligned(amounts: Sequence[str]) -> list[str]:
    """Amounts padded so that their decimal points line up."""
    parts = [amount.partition(".") for amount in amounts]
    whole = max((len(p[0]) for p in parts), default=0)
    fraction = max((len(p[1] + p[2]) for p in parts), default=0)
    return [(p[0].rjust(whole) + p[1] + p[2]).ljust(whole + fraction) for p in parts]


def grid(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned lines of a table; every cell made printable."""
    table = [[printable(cell) for cell in row] for row in [header, *rows]]
    if header[-1] == "NOTE" and not any(row[-1] for row in table[1:]):
        table = [row[:-1] for row in table]  # no notes: no NOTE column
        header = header[:-1]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def label(subaccount: int | None, primary: bool) -> str:
    """A subaccount as the table shows it: `master` for a master account's own row."""
    if subaccount is not None and primary:
        return f"{subaccount} (primary)"
    return subaccount_label(subaccount)


def as_table(report: BalanceReport, *, simulated: bool = False) -> str:
    balances = report.balances
    if not balances and not report.errors:
        return "No balances fetched.\n"

    show = table_text
    positions = any(b.portfolio_value is not None for b in balances)
    columns = [aligned([numeral(b.balance) or "" for b in balances])]
    if positions:
        columns.append(aligned([numeral(b.portfolio_value) or "-" for b in balances]))
    rows = [
        [
            str(b.venue),
            label(b.subaccount, b.primary),
            b.currency,
            *(column[i] for column in columns),
            show(b.active),
            (timestamp(b.updated_at) or "-").replace("T", " ").removesuffix("Z"),
            show(numeral(b.inr_rate)),
        ]
        for i, b in enumerate(balances)
    ]
    header = ["VENUE", "SUBACCOUNT", "CURRENCY", "BALANCE"]
    header += ["PORTFOLIO VALUE"] * positions + ["ACTIVE", "UPDATED (UTC)", "INR RATE"]
    lines = grid(header, rows, right=set(range(3, 3 + len(columns)))) if balances else []
    lines += _shards(balances)
    lines += _totals(report)
    assets = [(b, a) for b in balances for a in b.assets]
    if assets:
        amounts = [
            aligned([numeral(a.equity) or "" for _, a in assets]),
            aligned([numeral(a.wallet_balance) or "-" for _, a in assets]),
            aligned([numeral(a.unrealised_pnl) or "-" for _, a in assets]),
        ]
        asset_rows = [
            [str(b.venue), label(b.subaccount, False), a.asset, *(column[i] for column in amounts)]
            for i, (b, a) in enumerate(assets)
        ]
        header = ["VENUE", "SUBACCOUNT", "ASSET", "EQUITY", "WALLET", "UNREALISED PNL"]
        lines += ["", "ASSETS", *grid(header, asset_rows, right={3, 4, 5})]
    return "\n".join(lines).lstrip("\n") + "\n"


def _shards(balances: Sequence[SubaccountBalance]) -> list[str]:
    """Cash per shard of each subaccount held on more than one, a shard with none marked
    while another holds some: the aggregate must not hide one shard's shortfall."""
    split = [b for b in balances if len(b.shards) > 1]
    if not split:
        return []
    cells = [(b, shard) for b in split for shard in b.shards]
    amounts = aligned([numeral(shard.balance) or "" for _, shard in cells])
    rows = []
    for (b, shard), amount in zip(cells, amounts, strict=True):
        short = shard.balance <= 0 and any(other.balance > 0 for other in b.shards)
        note = "no cash on this shard" if short else ""
        where = label(b.subaccount, b.primary)
        rows.append([str(b.venue), where, str(shard.exchange_index), amount, note])
    header = ["VENUE", "SUBACCOUNT", "SHARD", "CASH", "NOTE"]
    return ["", "SHARDS", *grid(header, rows, right={2, 3})]


def _totals(report: BalanceReport) -> list[str]:
    """Per venue and currency: how many subaccounts, their cash, and (when positions were
    read) what their positions are worth; a NOTE on any that misses a failure."""
    groups: dict[tuple[str, str], list[SubaccountBalance]] = {}
    for b in report.balances:
        groups.setdefault((str(b.venue), b.currency), []).append(b)
    positions = any(b.portfolio_value is not None for b in report.balances)
    sums = aligned(
        [numeral(exact_sum(b.balance for b in group)) or "" for group in groups.values()]
    )
    values = aligned([_portfolio_total(group) for group in groups.values()])
    rows = []
    noted: set[str] = set()
    for index, ((venue, currency), group) in enumerate(groups.items()):
        value = [values[index]] if positions else []
        rows.append([venue, currency, str(len(group)), sums[index], *value, _note(report, venue)])
        noted.add(venue)
    for venue in dict.fromkeys(str(e.venue) for e in report.errors if str(e.venue) not in noted):
        value = ["-"] if positions else []
        rows.append([venue, "-", "0", "-", *value, _note(report, venue)])  # nothing fetched
    header = ["VENUE", "CURRENCY", "SUBACCOUNTS", "TOTAL", *["PORTFOLIO VALUE"] * positions]
    right = {2, 3, 4} if positions else {2, 3}
    return ["", "TOTALS", *grid([*header, "NOTE"], rows, right)]


def _note(report: BalanceReport, venue: str) -> str:
    """What a venue's totals miss: balances that could not be fetched, or (their cash
    fetched) what positions are worth."""
    missing = len(report.unfetched(venue))
    failed = sum(1 for e in report.errors if e.venue == venue)
    notes = [f"incomplete: {missing} could not be fetched"] if missing else []
    if failed > missing:
        notes.append(f"portfolio value incomplete: {failed - missing} could not be read")
    return "; ".join(notes)


def _portfolio_total(group: Sequence[SubaccountBalance]) -> str:
    known = [b.portfolio_value for b in group if b.portfolio_value is not None]
    return numeral(exact_sum(known)) or "-" if known else "-"


FORMATS = {"table": as_table, "json": as_json, "csv": as_csv}
"""Each output format of a report: `FORMATS[name](report, simulated=...)`."""

"""The CLI's three output formats (table, json, csv) of a `BalanceReport`.

Every text cell of a table or CSV, and every stderr line, goes through `printable`: a venue's
text (a coin symbol, an error message) could otherwise move the cursor, forge a row or
reorder a line on the reader's terminal. JSON escapes such characters by itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapter.domain import BalanceReport, FetchError, SubaccountBalance
from adapter.fields import exact_sum, printable

__all__ = ["CSV_HEADER", "as_csv", "as_json", "as_table", "failure_line"]

CSV_HEADER = [
    "venue",
    "subaccount",
    "primary",
    "currency",
    "balance",
    "updated_at",
    "active",
    "inr_rate",
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


def as_json(report: BalanceReport) -> str:
    document = {
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


def as_csv(report: BalanceReport) -> str:
    def cell(value: object) -> str:
        return printable(_text(value, null="", true="true", false="false"))

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


def _aligned(amounts: Sequence[str]) -> list[str]:
    """Amounts padded so that their decimal points line up."""
    parts = [amount.partition(".") for amount in amounts]
    whole = max((len(p[0]) for p in parts), default=0)
    fraction = max((len(p[1] + p[2]) for p in parts), default=0)
    return [(p[0].rjust(whole) + p[1] + p[2]).ljust(whole + fraction) for p in parts]


def _grid(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> list[str]:
    table = [[printable(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def as_table(report: BalanceReport) -> str:
    balances = report.balances
    if not balances:
        return "No balances fetched.\n"

    def show(value: object) -> str:
        return _text(value, null="-", true="yes", false="no")

    amounts = _aligned([numeral(b.balance) or "" for b in balances])
    rows = [
        [
            str(b.venue),
            f"{b.subaccount} (primary)" if b.primary else show(b.subaccount),
            b.currency,
            amount,
            show(b.active),
            (timestamp(b.updated_at) or "-").replace("T", " ").removesuffix("Z"),
            show(numeral(b.inr_rate)),
        ]
        for b, amount in zip(balances, amounts, strict=True)
    ]
    header = ["VENUE", "SUBACCOUNT", "CURRENCY", "BALANCE", "ACTIVE", "UPDATED (UTC)", "INR RATE"]
    lines = _grid(header, rows, right={3})

    totals: dict[tuple[str, str], list[Decimal]] = {}
    for b in balances:
        totals.setdefault((str(b.venue), b.currency), []).append(b.balance)
    sums = _aligned([numeral(exact_sum(v)) or "" for v in totals.values()])
    total_rows = [
        [venue, currency, str(len(values)), total]
        for ((venue, currency), values), total in zip(totals.items(), sums, strict=True)
    ]
    lines += [
        "",
        "TOTALS",
        *_grid(["VENUE", "CURRENCY", "SUBACCOUNTS", "TOTAL"], total_rows, {2, 3}),
    ]

    assets = [(b, a) for b in balances for a in b.assets]
    if assets:
        columns = [
            _aligned([numeral(a.equity) or "" for _, a in assets]),
            _aligned([numeral(a.wallet_balance) or "-" for _, a in assets]),
            _aligned([numeral(a.unrealised_pnl) or "-" for _, a in assets]),
        ]
        asset_rows = [
            [str(b.venue), show(b.subaccount), a.asset, *(column[i] for column in columns)]
            for i, (b, a) in enumerate(assets)
        ]
        header = ["VENUE", "SUBACCOUNT", "ASSET", "EQUITY", "WALLET", "UNREALISED PNL"]
        lines += ["", "ASSETS", *_grid(header, asset_rows, right={3, 4, 5})]
    return "\n".join(lines) + "\n"

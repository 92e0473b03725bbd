"""The machine formats of a report: JSON (with totals) and CSV.

Amounts are strings with the venue's digits; every object and row names its account (CSV
in its last column, so that columns read by position keep their place). A total says
whether it is `complete`; CSV has no room for failures: the exit status and stderr do.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import attrs

from adapter.domain import BalanceReport, FetchError, SubaccountBalance
from adapter.fields import exact_sum
from adapter.render.cells import csv_cell, numeral, timestamp

__all__ = [
    "CSV_HEADER",
    "Total",
    "as_csv",
    "as_json",
    "balance_json",
    "error_json",
    "json_document",
    "totals",
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
    "account",
]


def balance_json(balance: SubaccountBalance) -> dict[str, Any]:
    return {
        "account": balance.account,
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
        "account": failure.account,
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
        "totals": [
            {
                "account": total.account,
                "venue": total.venue,
                "currency": total.currency,
                "balance": numeral(total.balance),
                "complete": total.complete,
            }
            for total in totals(report)
        ],
        "errors": [error_json(failure) for failure in report.errors],
    }
    return json_document(document)


_ENCODE = json.JSONEncoder(separators=(", ", ": ")).encode


LISTED = 1000
"""Items of a list shown one per line; a longer list is one line (see `json_document`)."""


def json_document(document: dict[str, Any]) -> str:
    """A JSON object laid out one key per line, and a list's items one per line (each
    compact) up to `LISTED` of them: as readable as an indented document, and written by
    json's C encoder, which `indent=` gives up for a pure-Python one. A longer list (the
    errors of a whole master of 10^5 children) is written in one call, on one line: one
    encoder call per item would cost seconds there."""
    lines = ["{"]
    last = len(document) - 1
    for index, (key, value) in enumerate(document.items()):
        comma = "," if index < last else ""
        if isinstance(value, list) and 0 < len(value) <= LISTED:
            lines.append(f"  {_ENCODE(key)}: [")
            lines.extend(f"    {_ENCODE(item)}," for item in value[:-1])
            lines.append(f"    {_ENCODE(value[-1])}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {_ENCODE(key)}: {_ENCODE(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


@attrs.frozen
class Total:
    """The sum of the balances of one account (or, `account` None, of every account of
    a venue) in one currency; `complete` False when a balance it would sum failed."""

    account: str | None
    venue: str
    currency: str
    balance: Decimal
    count: int
    complete: bool


def totals(report: BalanceReport) -> list[Total]:
    """Per (account, currency), in the report's order, then per (venue, currency)."""
    per_account: dict[tuple[str, str, str], list[Decimal]] = {}
    per_venue: dict[tuple[str, str], list[Decimal]] = {}
    for b in report.balances:
        per_account.setdefault((b.account, str(b.venue), b.currency), []).append(b.balance)
        per_venue.setdefault((str(b.venue), b.currency), []).append(b.balance)
    return [
        _total(account, venue, currency, amounts, report.unfetched(account))
        for (account, venue, currency), amounts in per_account.items()
    ] + [
        _total(None, venue, currency, amounts, report.unfetched(venue))
        for (venue, currency), amounts in per_venue.items()
    ]


def _total(
    account: str | None, venue: str, currency: str, amounts: list[Decimal], missed: list[Any]
) -> Total:
    return Total(
        account=account,
        venue=venue,
        currency=currency,
        balance=exact_sum(amounts),
        count=len(amounts),
        complete=not missed,
    )


def as_csv(report: BalanceReport, *, simulated: bool = False) -> str:
    cell = csv_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for balance in report.balances:
        row = balance_json(balance)
        writer.writerow([cell(row[column]) for column in CSV_HEADER])
    return out.getvalue()

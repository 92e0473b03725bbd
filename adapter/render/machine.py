"""The machine formats of a report: JSON and CSV.

Amounts are strings with the venue's digits. CSV has no room for failures: the exit
status and stderr say them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from adapter.domain import BalanceReport, FetchError, SubaccountBalance
from adapter.render.cells import csv_cell, numeral, timestamp

__all__ = ["CSV_HEADER", "as_csv", "as_json", "balance_json", "error_json"]

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


def as_csv(report: BalanceReport, *, simulated: bool = False) -> str:
    cell = csv_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for balance in report.balances:
        row = balance_json(balance)
        writer.writerow([cell(row[column]) for column in CSV_HEADER])
    return out.getvalue()

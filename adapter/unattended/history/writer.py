"""Writing the history: one fetch appended as one snapshot, all of it or nothing.

Each balance and error row keeps its account. A snapshot keeps at most `MAX_ERRORS` error
rows per account: a master of 10^5 children that failed would otherwise add every child's
error to every poll; the rest are one row of kind `omitted` that counts them.

Text from a venue (coin names, currencies, error messages) is stored as `printable` makes
it: a lone surrogate cannot be stored as UTF-8 at all, and one must not cost the snapshot.
"""

from __future__ import annotations

import sqlite3

from adapter.domain import BalanceReport, SubaccountBalance
from adapter.fields import printable
from adapter.unattended.history.schema import ASSET_AMOUNTS, amount_text, time_text

__all__ = ["MAX_ERRORS", "OMITTED", "append"]

MAX_ERRORS = 1000
"""Error rows kept per account in one snapshot."""
OMITTED = "omitted"
"""The kind of the row that counts an account's errors past `MAX_ERRORS`."""


def append(connection: sqlite3.Connection, report: BalanceReport, *, simulated: bool) -> int:
    """Append one fetch in one transaction; returns the new snapshot's id."""
    connection.execute("BEGIN IMMEDIATE")
    with connection:
        snapshot_id = _row_id(
            connection.execute(
                "INSERT INTO snapshot (fetched_at, simulated) VALUES (?, ?)",
                (time_text(report.fetched_at), int(simulated)),
            )
        )
        for balance in report.balances:
            _insert_balance(connection, snapshot_id, balance)
        connection.executemany(
            "INSERT INTO error (snapshot_id, account, venue, subaccount, kind, status,"
            " endpoint, message, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _error_rows(snapshot_id, report),
        )
    return snapshot_id


def _error_rows(snapshot_id: int, report: BalanceReport) -> list[tuple[object, ...]]:
    """Each error's row, at most `MAX_ERRORS` per account, then one row counting the rest."""
    rows: list[tuple[object, ...]] = []
    kept: dict[tuple[str, str], int] = {}
    for failure in report.errors:
        key = (failure.account, str(failure.venue))
        kept[key] = kept.get(key, 0) + 1
        if kept[key] > MAX_ERRORS:
            continue
        error = failure.error
        rows.append(
            (
                snapshot_id,
                failure.account,
                str(failure.venue),
                failure.subaccount,
                error.kind,
                error.status,
                error.endpoint and printable(error.endpoint),
                printable(error.message),
                None,
            )
        )
    for (account, venue), count in kept.items():
        if count > MAX_ERRORS:
            left = count - MAX_ERRORS
            message = f"{left} more errors not recorded"
            rows.append((snapshot_id, account, venue, None, OMITTED, None, None, message, left))
    return rows


def _insert_balance(
    connection: sqlite3.Connection, snapshot_id: int, balance: SubaccountBalance
) -> None:
    balance_id = _row_id(
        connection.execute(
            "INSERT INTO balance (snapshot_id, account, venue, subaccount, is_primary, currency,"
            " balance, portfolio_value, updated_at, active, inr_rate)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                snapshot_id,
                balance.account,
                str(balance.venue),
                balance.subaccount,
                int(balance.primary),
                printable(balance.currency),
                amount_text(balance.balance),
                amount_text(balance.portfolio_value),
                time_text(balance.updated_at),
                None if balance.active is None else int(balance.active),
                amount_text(balance.inr_rate),
            ),
        )
    )
    connection.executemany(
        "INSERT INTO shard (balance_id, position, exchange_index, balance) VALUES (?, ?, ?, ?)",
        [
            (balance_id, position, shard.exchange_index, amount_text(shard.balance))
            for position, shard in enumerate(balance.shards)
        ],
    )
    connection.executemany(
        f"INSERT INTO asset (balance_id, position, asset, equity, {', '.join(ASSET_AMOUNTS)})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                balance_id,
                position,
                printable(asset.asset),
                amount_text(asset.equity),
                *(amount_text(getattr(asset, name)) for name in ASSET_AMOUNTS),
            )
            for position, asset in enumerate(balance.assets)
        ],
    )


def _row_id(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid

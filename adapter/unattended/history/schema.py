"""The history file's format: its schema and version, how amounts and times are stored as
text, and connecting to a file (opening it for good, created, migrated or refused, is
`migrations.prepare`'s).

Every amount is TEXT holding the venue's digits and comes back as the identical `Decimal`
(SQLite's NUMERIC affinity would round it). Times are TEXT, UTC ISO 8601 with microseconds
and a `Z`, so they sort as text. The schema version is `PRAGMA user_version`: 1 before
accounts, 2 since (`migrations`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import platformdirs

__all__ = [
    "ASSET_AMOUNTS",
    "SCHEMA_V1",
    "SCHEMA_VERSION",
    "HistoryError",
    "amount_text",
    "connect",
    "default_path",
    "read_amount",
    "read_optional_amount",
    "read_time",
    "time_text",
    "version_of",
]

SCHEMA_VERSION = 2

SCHEMA_V1 = [
    """CREATE TABLE snapshot (
        id INTEGER PRIMARY KEY,
        fetched_at TEXT NOT NULL,
        simulated INTEGER NOT NULL CHECK (simulated IN (0, 1))
    )""",
    "CREATE INDEX snapshot_by_time ON snapshot (fetched_at)",
    # The balance id keeps the report's order within a snapshot.
    """CREATE TABLE balance (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshot (id) ON DELETE CASCADE,
        venue TEXT NOT NULL,
        subaccount INTEGER,
        is_primary INTEGER NOT NULL,
        currency TEXT NOT NULL,
        balance TEXT NOT NULL,
        portfolio_value TEXT,
        updated_at TEXT,
        active INTEGER,
        inr_rate TEXT
    )""",
    "CREATE INDEX balance_by_snapshot ON balance (snapshot_id)",
    """CREATE TABLE shard (
        balance_id INTEGER NOT NULL REFERENCES balance (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        exchange_index INTEGER NOT NULL,
        balance TEXT NOT NULL,
        PRIMARY KEY (balance_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE asset (
        balance_id INTEGER NOT NULL REFERENCES balance (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        asset TEXT NOT NULL,
        equity TEXT NOT NULL,
        wallet_balance TEXT,
        unrealised_pnl TEXT,
        equity_inr TEXT,
        wallet_balance_inr TEXT,
        unrealised_pnl_inr TEXT,
        PRIMARY KEY (balance_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE error (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshot (id) ON DELETE CASCADE,
        venue TEXT NOT NULL,
        subaccount INTEGER,
        kind TEXT NOT NULL,
        status INTEGER,
        endpoint TEXT,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX error_by_snapshot ON error (snapshot_id)",
]

ASSET_AMOUNTS = (
    "wallet_balance",
    "unrealised_pnl",
    "equity_inr",
    "wallet_balance_inr",
    "unrealised_pnl_inr",
)


class HistoryError(Exception):
    """The history file cannot be opened, read or written; the message names the file."""


def default_path(*, simulated: bool = False) -> Path:
    """Where history lives unless told otherwise: the platform's user data directory; the
    sandbox's simulated balances in a file of their own, beside it."""
    name = "history-sandbox.sqlite3" if simulated else "history.sqlite3"
    return platformdirs.user_data_path("venue-balances") / name


@contextlib.contextmanager
def connect(path: Path, busy_timeout: float) -> Iterator[sqlite3.Connection]:  # seconds
    """A connection in autocommit mode: transactions are begun explicitly. Any SQLite
    failure leaves as a HistoryError naming the file."""
    try:
        connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"cannot open {path}: {exc}") from exc
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL still never corrupts the file; a power cut may lose the
        # last snapshot, which the next poll replaces anyway.
        connection.execute("PRAGMA synchronous = NORMAL")
        yield connection
    except (sqlite3.Error, OverflowError) as exc:  # OverflowError: past SQLite's int64
        raise HistoryError(f"{path}: {exc}") from exc
    finally:
        connection.close()


def version_of(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def amount_text(value: Decimal | None) -> str | None:
    """An amount as fixed-point text (how fetch prints it) that reads back as the same Decimal."""
    if value is None:
        return None
    text = format(value, "f")
    # Only a positive exponent ("1E+2") has no fixed-point spelling of its own.
    return text if Decimal(text).as_tuple() == value.as_tuple() else str(value)


def read_amount(text: object) -> Decimal:
    try:
        if isinstance(text, str):
            return Decimal(text)
    except InvalidOperation:
        pass
    raise HistoryError(f"history holds an amount that is not a number: {str(text)[:40]!r}")


def read_optional_amount(text: object) -> Decimal | None:
    return None if text is None else read_amount(text)


def time_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"a naive datetime has no place in history: {value!r}")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def read_time(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)

"""Balance history: every recorded fetch in one SQLite file, read back exactly.

    from adapter.history import History, parse_duration, series

    History(path).record(report, simulated=False)           # fetch --record [DB], serve
    since = datetime.now(UTC) - parse_duration("7d")        # history --since 7d
    snapshots = History(path, create=False).snapshots(
        since=since, venues=[Venue(name)], subaccounts=[0, None]  # None: the master account
    )
    series(snapshots)   # per (venue, subaccount, currency): first, last, change, points

`path=None` is `default_path()`: `platformdirs.user_data_path("venue-balances")/history.sqlite3`
(the sandbox's: `history-sandbox.sqlite3` beside it).
`History(..., create=False)` refuses to make a new file (for `history`, where a missing file
is a mistyped `--db`); it raises `HistoryError`, as does any SQLite failure, naming the file.

Storage: SQLite in WAL mode, so `history` reads while `serve` writes; each call opens its own
short connection (any thread may call), and writers wait up to `busy_timeout` seconds for one
another. One snapshot row per fetch (`fetched_at`, `simulated`), one row per balance, shard,
asset and error. Every amount is TEXT holding the venue's digits and comes back as the identical
`Decimal` (SQLite's NUMERIC affinity would round it). Times are TEXT, UTC ISO 8601 with
microseconds and a `Z`, so they sort as text. The schema version is `PRAGMA user_version`.

Its length (about 570 lines) is the schema, the writer and the reader of one file format
kept together, so that what is written and what is read back cannot drift apart.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path
from typing import Any

import attrs
import platformdirs

from adapter import errors
from adapter.domain import (
    AssetBalance,
    BalanceReport,
    FetchError,
    ShardBalance,
    SubaccountBalance,
    Venue,
)
from adapter.fields import exact_sum

__all__ = [
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "Point",
    "Series",
    "Snapshot",
    "default_path",
    "parse_duration",
    "series",
]

SCHEMA_VERSION = 1

_SCHEMA = [
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

_ASSET_AMOUNTS = (
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


@attrs.frozen(kw_only=True)
class Snapshot:
    """One recorded fetch: what it read and what it could not."""

    id: int
    fetched_at: datetime
    simulated: bool
    balances: list[SubaccountBalance]
    errors: list[FetchError]


@attrs.frozen(kw_only=True)
class Point:
    """One recorded balance of a series."""

    at: datetime
    balance: Decimal
    simulated: bool


@attrs.frozen(kw_only=True)
class Series:
    """The recorded balances of one (venue, subaccount, currency), oldest first: all real
    or all simulated (the sandbox's numbers never join a real series)."""

    venue: Venue
    subaccount: int | None
    currency: str
    points: tuple[Point, ...]
    """At least one."""

    @property
    def first(self) -> Decimal:
        return self.points[0].balance

    @property
    def last(self) -> Decimal:
        return self.points[-1].balance

    @property
    def change(self) -> Decimal:
        """`last - first`, exact however many digits they have."""
        return exact_sum([self.last, self.first.copy_negate()])

    @property
    def simulated(self) -> bool:
        """True when the points came from the sandbox."""
        return self.points[0].simulated


def series(snapshots: Iterable[Snapshot]) -> list[Series]:
    """Each (venue, subaccount, currency) over the snapshots, in time order; simulated
    snapshots make series of their own.

    Sorted by venue, then subaccount (the master first), then currency, real before
    simulated.
    """
    grouped: dict[tuple[Venue, int | None, str, bool], list[Point]] = {}
    for snapshot in sorted(snapshots, key=lambda s: (s.fetched_at, s.id)):
        for balance in snapshot.balances:
            key = (balance.venue, balance.subaccount, balance.currency, snapshot.simulated)
            point = Point(
                at=snapshot.fetched_at, balance=balance.balance, simulated=snapshot.simulated
            )
            grouped.setdefault(key, []).append(point)
    return [
        Series(venue=venue, subaccount=subaccount, currency=currency, points=tuple(points))
        for (venue, subaccount, currency, _), points in sorted(
            grouped.items(), key=lambda item: _series_order(*item[0])
        )
    ]


def _series_order(
    venue: Venue, subaccount: int | None, currency: str, simulated: bool
) -> tuple[object, ...]:
    return (venue, subaccount is not None, subaccount or 0, currency, simulated)


_DURATION = re.compile(r"([0-9]{1,9})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LONGEST = timedelta(days=100 * 366)


def parse_duration(text: str) -> timedelta:
    """`30m`, `24h`, `7d`, `2w` (or `90s`) as a timedelta; ValueError saying what is accepted."""
    match = _DURATION.fullmatch(text)
    try:
        delta = timedelta(**{_UNITS[match[2]]: int(match[1])}) if match else None
    except OverflowError:  # 999999999w: past what a timedelta holds
        delta = None
    if delta is None or not timedelta(0) < delta <= _LONGEST:
        raise ValueError(
            f"not a duration: {text[:30]!r} (a whole number and a unit, s, m, h, d or w,"
            " between 1s and 100 years: 30m, 24h, 7d, 2w)"
        )
    return delta


class History:
    """A history file: `record` appends a fetch, `snapshots` reads them back."""

    def __init__(
        self,
        path: str | PathLike[str] | None = None,
        *,
        create: bool = True,
        busy_timeout: float = 5.0,  # seconds
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"cannot create {self.path.parent}: {exc}") from exc
        elif not self.path.is_file():
            raise HistoryError(
                f"no history at {self.path} (record some with `--record` or `serve`)"
            )
        self._prepare(create)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode: transactions are begun explicitly."""
        try:
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open {self.path}: {exc}") from exc
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            # In WAL mode NORMAL still never corrupts the file; a power cut may lose the
            # last snapshot, which the next poll replaces anyway.
            connection.execute("PRAGMA synchronous = NORMAL")
            yield connection
        except (sqlite3.Error, OverflowError) as exc:  # OverflowError: past SQLite's int64
            raise HistoryError(f"{self.path}: {exc}") from exc
        finally:
            connection.close()

    def _prepare(self, create: bool) -> None:
        """WAL mode on, and the schema created when the file is new."""
        with self._connect() as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path} has history schema version {version}, newer than this"
                    f" venue-balances understands ({SCHEMA_VERSION}): upgrade venue-balances"
                )
            if not create:
                raise HistoryError(f"{self.path} is not a venue-balances history file")
            # Persistent for the file; cannot change inside a transaction.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            with connection:
                # Another process may have created it while this one waited for the lock.
                if connection.execute("PRAGMA user_version").fetchone()[0] == 0:
                    for statement in _SCHEMA:
                        connection.execute(statement)
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def journal_mode(self) -> str:
        """SQLite's journal mode for this file (`wal` unless the filesystem refused it)."""
        with self._connect() as connection:
            return str(connection.execute("PRAGMA journal_mode").fetchone()[0])

    def record(self, report: BalanceReport, *, simulated: bool) -> int:
        """Append one fetch, all of it or nothing; returns the new snapshot's id."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            with connection:
                snapshot_id = _row_id(
                    connection.execute(
                        "INSERT INTO snapshot (fetched_at, simulated) VALUES (?, ?)",
                        (_time_text(report.fetched_at), int(simulated)),
                    )
                )
                for balance in report.balances:
                    _insert_balance(connection, snapshot_id, balance)
                connection.executemany(
                    "INSERT INTO error (snapshot_id, venue, subaccount, kind, status, endpoint,"
                    " message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            snapshot_id,
                            str(failure.venue),
                            failure.subaccount,
                            failure.error.kind,
                            failure.error.status,
                            failure.error.endpoint,
                            failure.error.message,
                        )
                        for failure in report.errors
                    ],
                )
        return snapshot_id

    def snapshots(
        self,
        *,
        since: datetime | None = None,
        venues: Collection[Venue] | None = None,
        subaccounts: Collection[int | None] | None = None,
    ) -> list[Snapshot]:
        """The snapshots fetched at or after `since`, oldest first.

        `venues` and `subaccounts` keep only those balances and errors (`None` in
        `subaccounts` is the master account); an error that names no subaccount
        concerns a whole venue and is kept by any subaccount filter. With a filter, a
        snapshot left with neither balances nor errors is left out.
        """
        where, parameters = _filters(since, venues, subaccounts)
        error_where, error_parameters = _filters(since, venues, subaccounts, errors=True)
        with self._connect() as connection:
            connection.execute("BEGIN")  # one consistent read while a writer appends
            with connection:
                heads = connection.execute(
                    "SELECT id, fetched_at, simulated FROM snapshot"
                    + (" WHERE fetched_at >= ?" if since is not None else "")
                    + " ORDER BY fetched_at, id",
                    [_time_text(since)] if since is not None else [],
                ).fetchall()
                shards = _children(connection, "shard", where, parameters)
                assets = _children(connection, "asset", where, parameters)
                balances: dict[int, list[SubaccountBalance]] = {}
                for row in connection.execute(
                    "SELECT balance.* FROM balance JOIN snapshot ON snapshot.id = snapshot_id"
                    f" WHERE {where} ORDER BY balance.id",
                    parameters,
                ):
                    balances.setdefault(row["snapshot_id"], []).append(
                        _balance(row, shards.get(row["id"], []), assets.get(row["id"], []))
                    )
                failures: dict[int, list[FetchError]] = {}
                for row in connection.execute(
                    "SELECT error.* FROM error JOIN snapshot ON snapshot.id = snapshot_id"
                    f" WHERE {error_where} ORDER BY error.id",
                    error_parameters,
                ):
                    failures.setdefault(row["snapshot_id"], []).append(_failure(row))
        filtered = venues is not None or subaccounts is not None
        return [
            Snapshot(
                id=snapshot_id,
                fetched_at=_time(fetched_at),
                simulated=bool(simulated),
                balances=balances.get(snapshot_id, []),
                errors=failures.get(snapshot_id, []),
            )
            for snapshot_id, fetched_at, simulated in heads
            if not filtered or snapshot_id in balances or snapshot_id in failures
        ]

    def series(
        self,
        *,
        since: datetime | None = None,
        venues: Collection[Venue] | None = None,
        subaccounts: Collection[int | None] | None = None,
    ) -> list[Series]:
        """`series(self.snapshots(...))`: each recorded balance's first, last and change."""
        return series(self.snapshots(since=since, venues=venues, subaccounts=subaccounts))


def _filters(
    since: datetime | None,
    venues: Collection[Venue] | None,
    subaccounts: Collection[int | None] | None,
    *,
    errors: bool = False,
) -> tuple[str, list[object]]:
    """A WHERE clause over `snapshot` and a `balance` or `error` row, and its parameters."""
    table = "error" if errors else "balance"
    clauses = ["1"]
    parameters: list[object] = []
    if since is not None:
        clauses.append("snapshot.fetched_at >= ?")
        parameters.append(_time_text(since))
    if venues is not None:
        clauses.append(f"{table}.venue IN ({', '.join('?' * len(venues))})")
        parameters += [str(venue) for venue in venues]
    if subaccounts is not None:
        ids = [subaccount for subaccount in subaccounts if subaccount is not None]
        either = [f"{table}.subaccount IN ({', '.join('?' * len(ids))})"]
        if None in subaccounts or errors:
            either.append(f"{table}.subaccount IS NULL")
        clauses.append(f"({' OR '.join(either)})")
        parameters += ids
    return " AND ".join(clauses), parameters


def _children(
    connection: sqlite3.Connection, table: str, where: str, parameters: list[object]
) -> dict[int, list[Any]]:
    """The shard or asset rows of the balances `where` selects, by balance id, in order."""
    rows: dict[int, list[Any]] = {}
    for row in connection.execute(
        f"SELECT {table}.* FROM {table} JOIN balance ON balance.id = {table}.balance_id"
        f" JOIN snapshot ON snapshot.id = balance.snapshot_id WHERE {where}"
        f" ORDER BY {table}.balance_id, {table}.position",
        parameters,
    ):
        rows.setdefault(row["balance_id"], []).append(row)
    return rows


def _insert_balance(
    connection: sqlite3.Connection, snapshot_id: int, balance: SubaccountBalance
) -> None:
    balance_id = _row_id(
        connection.execute(
            "INSERT INTO balance (snapshot_id, venue, subaccount, is_primary, currency, balance,"
            " portfolio_value, updated_at, active, inr_rate)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                snapshot_id,
                str(balance.venue),
                balance.subaccount,
                int(balance.primary),
                balance.currency,
                _amount_text(balance.balance),
                _amount_text(balance.portfolio_value),
                _time_text(balance.updated_at),
                None if balance.active is None else int(balance.active),
                _amount_text(balance.inr_rate),
            ),
        )
    )
    connection.executemany(
        "INSERT INTO shard (balance_id, position, exchange_index, balance) VALUES (?, ?, ?, ?)",
        [
            (balance_id, position, shard.exchange_index, _amount_text(shard.balance))
            for position, shard in enumerate(balance.shards)
        ],
    )
    connection.executemany(
        f"INSERT INTO asset (balance_id, position, asset, equity, {', '.join(_ASSET_AMOUNTS)})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                balance_id,
                position,
                asset.asset,
                _amount_text(asset.equity),
                *(_amount_text(getattr(asset, name)) for name in _ASSET_AMOUNTS),
            )
            for position, asset in enumerate(balance.assets)
        ],
    )


def _balance(row: Any, shards: list[Any], assets: list[Any]) -> SubaccountBalance:
    return SubaccountBalance(
        venue=Venue(row["venue"]),
        subaccount=row["subaccount"],
        primary=bool(row["is_primary"]),
        currency=row["currency"],
        balance=_amount(row["balance"]),
        portfolio_value=_optional_amount(row["portfolio_value"]),
        shards=tuple(
            ShardBalance(exchange_index=shard["exchange_index"], balance=_amount(shard["balance"]))
            for shard in shards
        ),
        updated_at=None if row["updated_at"] is None else _time(row["updated_at"]),
        active=None if row["active"] is None else bool(row["active"]),
        inr_rate=_optional_amount(row["inr_rate"]),
        assets=tuple(
            AssetBalance(
                asset=asset["asset"],
                equity=_amount(asset["equity"]),
                **{name: _optional_amount(asset[name]) for name in _ASSET_AMOUNTS},
            )
            for asset in assets
        ),
    )


def _failure(row: Any) -> FetchError:
    cls = _ERROR_CLASSES.get(row["kind"]) or _unknown_kind(row["kind"])
    where = {"venue": row["venue"], "endpoint": row["endpoint"], "status": row["status"]}
    error = cls(row["message"], subaccount=row["subaccount"], **where)
    # As recorded: AuthenticationError's constructor would add its hint a second time.
    error.message = row["message"]
    error.args = (row["message"],)
    return FetchError(venue=Venue(row["venue"]), subaccount=row["subaccount"], error=error)


_ERROR_CLASSES: dict[str, type[errors.AdapterError]] = {
    cls.kind: cls
    for cls in [errors.AdapterError, *(getattr(errors, name) for name in errors.__all__)]
}


@functools.cache
def _unknown_kind(kind: str) -> type[errors.AdapterError]:
    """An error class for a kind a newer venue-balances recorded, so the kind is kept."""

    class RecordedError(errors.AdapterError):
        """A failure of a kind this version does not know, read back from history."""

    RecordedError.kind = kind
    return RecordedError


def _row_id(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


def _amount_text(value: Decimal | None) -> str | None:
    """An amount as fixed-point text (how fetch prints it) that reads back as the same Decimal."""
    if value is None:
        return None
    text = format(value, "f")
    # Only a positive exponent ("1E+2") has no fixed-point spelling of its own.
    return text if Decimal(text).as_tuple() == value.as_tuple() else str(value)


def _amount(text: object) -> Decimal:
    try:
        if isinstance(text, str):
            return Decimal(text)
    except InvalidOperation:
        pass
    raise HistoryError(f"history holds an amount that is not a number: {str(text)[:40]!r}")


def _optional_amount(text: object) -> Decimal | None:
    return None if text is None else _amount(text)


def _time_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"a naive datetime has no place in history: {value!r}")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)

"""Reading the history back: snapshots in a window, filtered, and each balance's series.

`parse_duration` reads the windows users write (`--since 7d`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from adapter import errors
from adapter.domain import AssetBalance, FetchError, ShardBalance, SubaccountBalance, Venue
from adapter.fields import exact_sum
from adapter.unattended.history.schema import (
    ASSET_AMOUNTS,
    read_amount,
    read_optional_amount,
    read_time,
    time_text,
)

__all__ = ["Point", "Series", "Snapshot", "parse_duration", "read_snapshots", "series"]


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
    """The recorded balances of one (account, venue, subaccount, currency), oldest first:
    all real or all simulated (the sandbox's numbers never join a real series)."""

    venue: Venue
    account: str
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
    """Each (account, venue, subaccount, currency) over the snapshots, in time order (two
    members' subaccount 0 never merge); simulated snapshots make series of their own.

    Sorted by venue, then account, then subaccount (the master first), then currency,
    real before simulated.
    """
    grouped: dict[tuple[Venue, str, int | None, str, bool], list[Point]] = {}
    for snapshot in sorted(snapshots, key=lambda s: (s.fetched_at, s.id)):
        for balance in snapshot.balances:
            key = (
                balance.venue,
                balance.account,
                balance.subaccount,
                balance.currency,
                snapshot.simulated,
            )
            point = Point(
                at=snapshot.fetched_at, balance=balance.balance, simulated=snapshot.simulated
            )
            grouped.setdefault(key, []).append(point)
    return [
        Series(
            venue=venue,
            account=account,
            subaccount=subaccount,
            currency=currency,
            points=tuple(points),
        )
        for (venue, account, subaccount, currency, _), points in sorted(
            grouped.items(), key=lambda item: _series_order(*item[0])
        )
    ]


def _series_order(
    venue: Venue, account: str, subaccount: int | None, currency: str, simulated: bool
) -> tuple[object, ...]:
    return (venue, account, subaccount is not None, subaccount or 0, currency, simulated)


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


def read_snapshots(
    connection: sqlite3.Connection,
    *,
    version: int,
    since: datetime | None = None,
    venues: Collection[Venue] | None = None,
    subaccounts: Collection[int | None] | None = None,
    accounts: Collection[str] | None = None,
) -> list[Snapshot]:
    """The snapshots fetched at or after `since`, oldest first (see `History.snapshots`),
    from a file of schema `version` (1: written before accounts, each row its venue's)."""
    filters = _Filters(version, since, venues, subaccounts, accounts)
    where, parameters = filters.clause("balance")
    error_where, error_parameters = filters.clause("error")
    account = "account" if version >= 2 else "venue"
    connection.execute("BEGIN")  # one consistent read while a writer appends
    with connection:
        heads = connection.execute(
            "SELECT id, fetched_at, simulated FROM snapshot"
            + (" WHERE fetched_at >= ?" if since is not None else "")
            + " ORDER BY fetched_at, id",
            [time_text(since)] if since is not None else [],
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
                _balance(row, row[account], shards.get(row["id"], []), assets.get(row["id"], []))
            )
        failures: dict[int, list[FetchError]] = {}
        for row in connection.execute(
            "SELECT error.* FROM error JOIN snapshot ON snapshot.id = snapshot_id"
            f" WHERE {error_where} ORDER BY error.id",
            error_parameters,
        ):
            count = row["count"] if version >= 2 else None
            failures.setdefault(row["snapshot_id"], []).append(_failure(row, row[account], count))
    filtered = venues is not None or subaccounts is not None or accounts is not None
    return [
        Snapshot(
            id=snapshot_id,
            fetched_at=read_time(fetched_at),
            simulated=bool(simulated),
            balances=balances.get(snapshot_id, []),
            errors=failures.get(snapshot_id, []),
        )
        for snapshot_id, fetched_at, simulated in heads
        if not filtered or snapshot_id in balances or snapshot_id in failures
    ]


@attrs.frozen
class _Filters:
    """What `history` keeps: a window, venues, subaccounts, accounts."""

    version: int
    since: datetime | None
    venues: Collection[Venue] | None
    subaccounts: Collection[int | None] | None
    accounts: Collection[str] | None

    def clause(self, table: str) -> tuple[str, list[object]]:
        """A WHERE clause over `snapshot` and a `balance` or `error` row, and its
        parameters; an error that names no subaccount (a whole account's) is kept by any
        subaccount filter."""
        clauses = ["1"]
        parameters: list[object] = []
        if self.since is not None:
            clauses.append("snapshot.fetched_at >= ?")
            parameters.append(time_text(self.since))
        if self.venues is not None:
            clauses.append(f"{table}.venue IN ({', '.join('?' * len(self.venues))})")
            parameters += [str(venue) for venue in self.venues]
        if self.accounts is not None:
            # Rows written before accounts (version 1) belong to their venue's account.
            column = "account" if self.version >= 2 else "venue"
            clauses.append(f"{table}.{column} IN ({', '.join('?' * len(self.accounts))})")
            parameters += list(self.accounts)
        if self.subaccounts is not None:
            ids = [subaccount for subaccount in self.subaccounts if subaccount is not None]
            either = [f"{table}.subaccount IN ({', '.join('?' * len(ids))})"]
            if None in self.subaccounts or table == "error":
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


def _balance(row: Any, account: str, shards: list[Any], assets: list[Any]) -> SubaccountBalance:
    return SubaccountBalance(
        venue=Venue(row["venue"]),
        account=account,
        subaccount=row["subaccount"],
        primary=bool(row["is_primary"]),
        currency=row["currency"],
        balance=read_amount(row["balance"]),
        portfolio_value=read_optional_amount(row["portfolio_value"]),
        shards=tuple(
            ShardBalance(
                exchange_index=shard["exchange_index"], balance=read_amount(shard["balance"])
            )
            for shard in shards
        ),
        updated_at=None if row["updated_at"] is None else read_time(row["updated_at"]),
        active=None if row["active"] is None else bool(row["active"]),
        inr_rate=read_optional_amount(row["inr_rate"]),
        assets=tuple(
            AssetBalance(
                asset=asset["asset"],
                equity=read_amount(asset["equity"]),
                **{name: read_optional_amount(asset[name]) for name in ASSET_AMOUNTS},
            )
            for asset in assets
        ),
    )


def _failure(row: Any, account: str, count: int | None) -> FetchError:
    cls = _ERROR_CLASSES.get(row["kind"]) or _unknown_kind(row["kind"])
    where = {"venue": row["venue"], "endpoint": row["endpoint"], "status": row["status"]}
    error = cls(row["message"], account=account, subaccount=row["subaccount"], **where)
    # As recorded: AuthenticationError's constructor would add its hint a second time.
    error.message = row["message"]
    error.args = (row["message"],)
    if count is not None:  # a row that stands for many ("omitted")
        error.count = count  # type: ignore[attr-defined]
    return FetchError(
        venue=Venue(row["venue"]), account=account, subaccount=row["subaccount"], error=error
    )


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

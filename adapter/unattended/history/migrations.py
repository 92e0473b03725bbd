"""Opening a history file for good: created (owner only), migrated to the current schema
in place and in one transaction, or refused untouched (a newer version, or an SQLite file
that is not a history: version 0 with tables in it).

A new file is created at version 1 and migrated in the same transaction, so that every
file of a version has the very same schema.

A writer that opens a file of an older version first copies it beside itself, whole
(`history.sqlite3.v1.bak`, by SQLite's backup API: what an older release reads), says so,
then migrates it in one transaction: every snapshot and every amount is kept digit for
digit, rows written before accounts get their venue's name as their account. The write
lock is taken before the version is read again, so two processes opening the same old
file migrate it once; a process killed midway leaves the old file as it was (the
transaction never committed) and the next writer starts over.

    MIGRATIONS[n]   the statements that take version n to n + 1
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from adapter.unattended.history.schema import SCHEMA_V1, SCHEMA_VERSION, HistoryError, version_of

__all__ = ["MIGRATIONS", "prepare", "upgrade"]

MIGRATIONS: dict[int, list[str]] = {
    # 1 -> 2: accounts. ALTER TABLE needs a default for a NOT NULL column; every row gets
    # its account at once, and every insert names one.
    1: [
        "ALTER TABLE balance ADD COLUMN account TEXT NOT NULL DEFAULT ''",
        "UPDATE balance SET account = venue",
        "ALTER TABLE error ADD COLUMN account TEXT NOT NULL DEFAULT ''",
        "UPDATE error SET account = venue",
        # How many errors one row stands for: a snapshot keeps at most 1,000 error rows per
        # account, the rest counted in one (kind "omitted"); NULL for an ordinary row.
        "ALTER TABLE error ADD COLUMN count INTEGER",
        "CREATE INDEX balance_by_series ON balance (account, venue, subaccount, currency)",
    ],
}


def prepare(
    connection: sqlite3.Connection,
    path: Path,
    *,
    create: bool,
    notice: Callable[[str], object],
) -> int:
    """The file's schema version, made the current one for a writer (`create`): the
    schema created in a new file, an older one migrated (`migrations.upgrade`). A reader
    writes nothing and reads an older file as it is. A newer version, or an SQLite file
    that is not a history (version 0 with tables in it), is refused untouched."""
    version = version_of(connection)
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path} has history schema version {version}; this venue-balances knows"
            f" versions 1 to {SCHEMA_VERSION}: upgrade venue-balances to read or write it"
        )
    if version == 0:
        if _has_tables(connection):
            raise HistoryError(
                f"{path} is not a venue-balances history file (an SQLite database holding"
                " other tables): refusing to touch it; name another file"
            )
        if not create:
            raise HistoryError(f"{path} is not a venue-balances history file")
        _create(connection, path)
        return SCHEMA_VERSION
    if version < SCHEMA_VERSION and create:
        upgrade(connection, path, notice)
        return SCHEMA_VERSION
    return version


def _has_tables(connection: sqlite3.Connection) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
    return bool(connection.execute(query).fetchone()[0])


def _create(connection: sqlite3.Connection, path: Path) -> None:
    """The schema of a new file: version 1, migrated to the current one in the same
    transaction (so a new file's schema is exactly a migrated one's)."""
    # Persistent for the file; cannot change inside a transaction.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("BEGIN IMMEDIATE")
    with connection:
        # Another process may have created it while this one waited for the lock.
        if version_of(connection) != 0 or _has_tables(connection):
            return
        for statement in SCHEMA_V1:
            connection.execute(statement)
        for version in range(1, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def upgrade(connection: sqlite3.Connection, path: Path, notice: Callable[[str], object]) -> None:
    """Back up and migrate the file to `SCHEMA_VERSION` (module docstring)."""
    connection.execute("BEGIN IMMEDIATE")
    with connection:
        version = version_of(connection)  # again, under the lock: another may have done it
        if version >= SCHEMA_VERSION:
            return
        backup = path.with_name(f"{path.name}.v{version}.bak")
        _backup(path, backup)
        notice(
            f"{path}: a history file of version {version}, copied to {backup} (which older"
            f" releases read) before migrating it to version {SCHEMA_VERSION}"
        )
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _backup(path: Path, backup: Path) -> None:
    """A whole copy of the file as committed (read by a connection of its own while the
    caller holds the write lock), written beside it under a temporary name and renamed:
    a copy is either whole or absent."""
    temporary = backup.with_name(f".{backup.name}.{os.getpid()}.tmp")
    try:
        source = sqlite3.connect(path)
        try:
            target = sqlite3.connect(temporary)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        os.chmod(temporary, 0o600)
        os.replace(temporary, backup)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise HistoryError(f"{path}: cannot copy it to {backup} before migrating: {exc}") from exc

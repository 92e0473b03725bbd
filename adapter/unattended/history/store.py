"""A history file: `History(path)` opens (or creates) it; `record` appends a fetch,
`snapshots` and `series` read them back.

`path=None` is `default_path()`: `platformdirs.user_data_path("venue-balances")/history.sqlite3`
(the sandbox's: `history-sandbox.sqlite3` beside it).
`History(..., create=False)` refuses to make a new file (for `history`, where a missing file
is a mistyped `--db`); it raises `HistoryError`, as does any SQLite failure, naming the file.

Storage: SQLite in WAL mode, so `history` reads while `serve` writes; each call opens its own
short connection (any thread may call), and writers wait up to `busy_timeout` seconds for one
another. One snapshot row per fetch (`fetched_at`, `simulated`), one row per balance, shard,
asset and error (the format: `schema`; writing: `writer`; reading: `reader`).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Collection
from datetime import datetime
from os import PathLike
from pathlib import Path

from adapter.domain import BalanceReport, Venue
from adapter.unattended.history.migrations import prepare
from adapter.unattended.history.reader import Series, Snapshot, read_snapshots, series
from adapter.unattended.history.schema import SCHEMA_VERSION, HistoryError, connect, default_path
from adapter.unattended.history.writer import append

__all__ = ["History"]

log = logging.getLogger("adapter")


class History:
    """A history file: `record` appends a fetch, `snapshots` reads them back."""

    def __init__(
        self,
        path: str | PathLike[str] | None = None,
        *,
        create: bool = True,
        busy_timeout: float = 5.0,  # seconds
        notice: Callable[[str], object] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        self._notice = notice or log.warning
        """Where to say what a writer did to the file (a migration, tightened permissions)."""
        if create:
            self._own_file()
        elif not self.path.is_file():
            raise HistoryError(
                f"no history at {self.path} (record some with `--record` or `serve`)"
            )
        with connect(self.path, self.busy_timeout) as connection:
            self.version = prepare(connection, self.path, create=create, notice=self._notice)
            """The file's schema version (an older one only for a reader, as it is)."""

    def _own_file(self) -> None:
        """A writer's file is its owner's alone (0600: balances are private): a new one is
        created so, and an existing one that group or others may read is tightened (by
        its owner; said once)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            mode = self.path.stat().st_mode
            if mode & 0o077 and self.path.stat().st_uid == os.geteuid():
                self.path.chmod(stat.S_IMODE(mode) & 0o700)
                self._notice(
                    f"{self.path} was readable by group or others (mode"
                    f" {stat.filemode(mode)}): now {stat.filemode(self.path.stat().st_mode)}"
                )
        except OSError as exc:
            raise HistoryError(f"cannot create {self.path}: {exc}") from exc
        else:
            os.close(descriptor)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    def journal_mode(self) -> str:
        """SQLite's journal mode for this file (`wal` unless the filesystem refused it)."""
        with connect(self.path, self.busy_timeout) as connection:
            return str(connection.execute("PRAGMA journal_mode").fetchone()[0])

    def record(self, report: BalanceReport, *, simulated: bool) -> int:
        """Append one fetch, all of it or nothing; returns the new snapshot's id."""
        if self.version != SCHEMA_VERSION:  # opened to read: its writer migrates it first
            raise HistoryError(f"{self.path} is opened for reading only")
        with connect(self.path, self.busy_timeout) as connection:
            return append(connection, report, simulated=simulated)

    def snapshots(
        self,
        *,
        since: datetime | None = None,
        venues: Collection[Venue] | None = None,
        subaccounts: Collection[int | None] | None = None,
        accounts: Collection[str] | None = None,
    ) -> list[Snapshot]:
        """The snapshots fetched at or after `since`, oldest first.

        `venues`, `accounts` and `subaccounts` keep only those balances and errors (`None`
        in `subaccounts` is the master account); an error that names no subaccount
        concerns a whole account and is kept by any subaccount filter. With a filter, a
        snapshot left with neither balances nor errors is left out.
        """
        with connect(self.path, self.busy_timeout) as connection:
            return read_snapshots(
                connection,
                version=self.version,
                since=since,
                venues=venues,
                subaccounts=subaccounts,
                accounts=accounts,
            )

    def series(
        self,
        *,
        since: datetime | None = None,
        venues: Collection[Venue] | None = None,
        subaccounts: Collection[int | None] | None = None,
        accounts: Collection[str] | None = None,
    ) -> list[Series]:
        """`series(self.snapshots(...))`: each recorded balance's first, last and change."""
        return series(
            self.snapshots(since=since, venues=venues, subaccounts=subaccounts, accounts=accounts)
        )

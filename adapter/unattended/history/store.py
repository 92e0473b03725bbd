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

from collections.abc import Collection
from datetime import datetime
from os import PathLike
from pathlib import Path

from adapter.domain import BalanceReport, Venue
from adapter.unattended.history.reader import Series, Snapshot, read_snapshots, series
from adapter.unattended.history.schema import HistoryError, connect, default_path, prepare
from adapter.unattended.history.writer import append

__all__ = ["History"]


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
        with connect(self.path, self.busy_timeout) as connection:
            prepare(connection, self.path, create=create)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    def journal_mode(self) -> str:
        """SQLite's journal mode for this file (`wal` unless the filesystem refused it)."""
        with connect(self.path, self.busy_timeout) as connection:
            return str(connection.execute("PRAGMA journal_mode").fetchone()[0])

    def record(self, report: BalanceReport, *, simulated: bool) -> int:
        """Append one fetch, all of it or nothing; returns the new snapshot's id."""
        with connect(self.path, self.busy_timeout) as connection:
            return append(connection, report, simulated=simulated)

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
        with connect(self.path, self.busy_timeout) as connection:
            return read_snapshots(connection, since=since, venues=venues, subaccounts=subaccounts)

    def series(
        self,
        *,
        since: datetime | None = None,
        venues: Collection[Venue] | None = None,
        subaccounts: Collection[int | None] | None = None,
    ) -> list[Series]:
        """`series(self.snapshots(...))`: each recorded balance's first, last and change."""
        return series(self.snapshots(since=since, venues=venues, subaccounts=subaccounts))

"""Balance history: every recorded fetch in one SQLite file, read back exactly.

from adapter.unattended.history import History, parse_duration, series

History(path).record(report, simulated=False)           # fetch --record [DB], serve
since = datetime.now(UTC) - parse_duration("7d")        # history --since 7d
snapshots = History(path, create=False).snapshots(
    since=since, venues=[Venue(name)], subaccounts=[0, None]  # None: the master account
)
series(snapshots)   # per (venue, subaccount, currency): first, last, change, points

schema.py   the file's format: schema, version, amounts and times as text, opening
writer.py   one fetch appended as one snapshot
reader.py   snapshots in a window, filtered; each balance's series; durations
store.py    History: one file, opened or created, written and read
render.py   the `history` command's formats (table, json, csv, chart)
"""

from adapter.unattended.history.reader import Point, Series, Snapshot, parse_duration, series
from adapter.unattended.history.schema import SCHEMA_VERSION, HistoryError, default_path
from adapter.unattended.history.store import History

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

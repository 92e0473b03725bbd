"""The unattended tier: floors, the Prometheus exporter and its metrics, and the history.

    floors.py    --min floors: parsed, checked against a report, breaches as lines
    metrics.py   the exporter's metric families over the last poll (and `--format prometheus`)
    exporter.py  `serve`: poll in the background, serve the last poll; atomic text files
    http.py      the exporter's HTTP server: one event loop reads requests, a few threads answer
    channel.py   a connection's bytes for that loop: plain, or TLS on memory BIOs
    wsgi.py      one request head parsed, run through a WSGI application, answered as bytes
    webconfig.py `serve --web-config`: the exporter-toolkit's file (basic auth, headers, reload)
    webtls.py    its tls_server_config made into an ssl.SSLContext
    history/     every recorded fetch in one SQLite file, read back exactly

It is built on the core (`adapter.domain`, `adapter.render`, `adapter.fields`), never the
other way round; the CLI reaches it through the names below, each loaded from its module
on first use, so that a fetch with no floor, history or Prometheus format pays for none.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapter.unattended.exporter import serve, write_textfile
    from adapter.unattended.floors import breach_line, check_floors, parse_floors
    from adapter.unattended.history import History, HistoryError, default_path, parse_duration
    from adapter.unattended.history.render import render_history
    from adapter.unattended.metrics import exposition

_HOMES = {
    "adapter.unattended.floors": ["breach_line", "check_floors", "parse_floors"],
    "adapter.unattended.metrics": ["exposition"],
    "adapter.unattended.exporter": ["serve", "write_textfile"],
    "adapter.unattended.history": ["History", "HistoryError", "default_path", "parse_duration"],
    "adapter.unattended.history.render": ["render_history"],
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "History",
    "HistoryError",
    "breach_line",
    "check_floors",
    "default_path",
    "exposition",
    "parse_duration",
    "parse_floors",
    "render_history",
    "serve",
    "write_textfile",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'adapter.unattended' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value

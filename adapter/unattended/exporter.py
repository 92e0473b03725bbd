"""`serve`: poll the venues in the background and serve the last poll at /metrics.

    from adapter.unattended.exporter import serve, write_textfile

    # SIGTERM as Ctrl-C: serve() takes KeyboardInterrupt as "stop". (Setting an Event from
    # a signal handler can deadlock when the signal lands inside the Event's own lock.)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    stop = threading.Event()                                 # or set it from another thread
    serve(
        lambda: client.all_balances(**fetch_options),
        listen=("127.0.0.1", 9464),
        interval=60.0,
        accounts=[("us-desk", Venue.KALSHI)],                # their `up` is 0 on failure
        floors=parse_floors(args.min or []),
        recorder=functools.partial(History(db).record, simulated=args.sandbox),  # or None
        stop=stop,
        on_listening=lambda host, port: log.info("serving http://%s:%s/metrics", host, port),
        web_config=WebConfig(path),                          # or None: plain HTTP, no auth
    )

    write_textfile(path, text)          # fetch --output: temp file beside it, then os.replace

`serve` binds first (an `OSError` such as "address in use" comes out before anything starts),
serves through `adapter.unattended.http` (idle sockets hold no thread; see there), then
polls at once and every `interval` seconds from the start of one poll to the next, in a
thread of its own; a scrape only reads the last poll (`adapter.unattended.metrics`). A poll
that raises marks every configured account down (an `AdapterError` also counts under its
kind); one that raises anything else is logged with its traceback, and polling goes on. A
recorder failure (a full disk, a locked file) is logged, and polling goes on.

It returns once `stop` is set or Ctrl-C arrives, within a second: a snapshot being written
is finished first if that takes at most `WRITE_GRACE` seconds (else a warning says it may be
missing: a history locked by another process must not hold up SIGTERM), none is begun after
that, and a poll still waiting on a venue is left behind in its daemon thread (its own
deadline ends it) and its result is dropped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import make_wsgi_app

from adapter.domain import BalanceReport, FetchError, Venue
from adapter.errors import AdapterError
from adapter.render import failure_line
from adapter.unattended.floors import Floor, FloorCheck, breach_line
from adapter.unattended.history.schema import HistoryError
from adapter.unattended.http import HttpServer
from adapter.unattended.metrics import BalanceMetrics

if TYPE_CHECKING:
    from adapter.unattended.webconfig import WebConfig

__all__ = ["serve", "write_textfile"]

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
WRITE_GRACE = 0.5  # seconds shutdown waits for a snapshot being written


def serve(
    poll: Callable[[], BalanceReport],
    *,
    listen: tuple[str, int],
    interval: float,  # seconds
    accounts: Iterable[tuple[str, Venue | str]],
    floors: Sequence[Floor] = (),
    recorder: Callable[[BalanceReport], object] | None = None,
    stop: threading.Event,
    on_listening: Callable[[str, int], None] | None = None,
    simulated: bool = False,
    web_config: WebConfig | None = None,
    reload: threading.Event | None = None,
    reconfigure: Callable[[], Iterable[tuple[str, Venue | str]] | None] | None = None,
) -> None:
    """Serve the last poll's metrics on `listen` until `stop` is set (or Ctrl-C);
    `simulated`: the polls read the built-in sandbox; `web_config`: TLS, basic auth and
    headers from a web configuration file (`adapter.unattended.webconfig`). Once `reload`
    is set (SIGHUP), the poll thread calls `reconfigure()` before its next poll, which it
    starts at once: the accounts polled from then on, or None to keep them."""
    if not interval > 0:
        raise ValueError(f"the poll interval must be positive, got {interval!r} seconds")
    metrics = BalanceMetrics(accounts, floors, simulated=simulated)
    app = _routes(make_wsgi_app(metrics.registry))
    if web_config is not None:
        app = web_config.guard(app)
    tls = web_config.ssl_context if web_config is not None and web_config.tls else None
    server = HttpServer(app, listen, tls=tls)  # binds now: "address in use" before any poll
    writing = threading.Lock()  # held while a snapshot is written; shutdown waits for it
    poller = threading.Thread(
        target=_poll_forever,
        args=(poll, metrics, recorder, interval, stop, writing, reload, reconfigure),
        name="venue-balances-poll",
        daemon=True,
    )
    try:
        server.start()
        poller.start()
        if on_listening is not None:
            on_listening(*server.address)
        stop.wait()
    except KeyboardInterrupt:
        pass  # Ctrl-C is a normal way to stop an exporter
    finally:
        stop.set()
        server.shutdown()
        # A snapshot being written is finished, but not at any cost: a history file locked
        # by another process would hold a write (and SIGTERM) for SQLite's busy timeout.
        if writing.acquire(timeout=WRITE_GRACE):
            writing.release()  # the poller starts no write after this: stop is set
        else:
            log.warning(
                "stopping before the snapshot being written was finished (after %.1f s):"
                " that poll may be missing from the history",
                WRITE_GRACE,
            )


def _poll_forever(
    poll: Callable[[], BalanceReport],
    metrics: BalanceMetrics,
    recorder: Callable[[BalanceReport], object] | None,
    interval: float,  # seconds
    stop: threading.Event,
    writing: threading.Lock,
    reload: threading.Event | None = None,
    reconfigure: Callable[[], Iterable[tuple[str, Venue | str]] | None] | None = None,
) -> None:
    said = _Said(metrics)
    while not stop.is_set():
        if reload is not None and reload.is_set():
            reload.clear()
            accounts = reconfigure() if reconfigure is not None else None
            if accounts is not None:
                metrics.reconfigure(accounts)
        started = time.monotonic()
        try:
            report = poll()
        except Exception as exc:
            if stop.is_set():
                return
            log.warning("poll failed: %s", exc, exc_info=not isinstance(exc, AdapterError))
            metrics.observe_failure(exc, duration=time.monotonic() - started)
        else:
            if stop.is_set():
                return  # shutting down: drop it rather than start a write
            said.poll(report, metrics.observe(report, duration=time.monotonic() - started))
            if recorder is not None:
                with writing:
                    if stop.is_set():
                        return
                    try:
                        recorder(report)
                    except Exception as exc:  # the metrics stand; only the history missed it
                        log.warning(
                            "this poll was not recorded in the history: %s",
                            exc,
                            exc_info=not isinstance(exc, HistoryError),
                        )
        _sleep(started + interval, stop, reload)


class _Said:
    """What `serve` says on stderr (through logging) of each poll: one line per account
    whose poll failed (its first failure's kind and message, and how many), and a line
    when an account recovers and when a floor breaks or recovers; never a secret."""

    def __init__(self, metrics: BalanceMetrics) -> None:
        self._metrics = metrics
        self._down: set[tuple[str, str]] = set()
        self._broken: set[str] = set()

    def poll(self, report: BalanceReport, check: FloorCheck) -> None:
        first: dict[tuple[str, str], FetchError] = {}
        counts: dict[tuple[str, str], int] = {}
        for failure in report.errors:
            key = (failure.account, str(failure.venue))
            first.setdefault(key, failure)
            counts[key] = counts.get(key, 0) + 1
        for key, failure in first.items():
            more = f" ({counts[key]} failures in all)" if counts[key] > 1 else ""
            log.warning("poll: %s%s", failure_line(failure).removeprefix("error: "), more)
        up = {key for key, fetched in self._metrics.up().items() if fetched}
        for account, venue in sorted(self._down & up):
            log.warning("poll: %s recovered: everything fetched", _who(account, venue))
        self._down = set(first)
        breaches = {breach.selector: breach for breach in check.breaches}
        for selector, breach in breaches.items():
            if selector not in self._broken:
                log.warning("floor %s broken: %s", selector, breach_line(breach))
        unchecked = {floor.selector for floor in check.unchecked}
        for selector in sorted(self._broken - set(breaches) - unchecked):
            log.warning("floor %s recovered", selector)
        self._broken = set(breaches) | (self._broken & unchecked)


def _who(account: str, venue: str) -> str:
    return account if account == venue else f"{account} ({venue})"


def _sleep(until: float, stop: threading.Event, reload: threading.Event | None) -> None:
    """Until the next poll is due (monotonic `until`), `stop` is set, or `reload` is."""
    while not stop.is_set() and not (reload is not None and reload.is_set()):
        left = until - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(left, 0.25))  # seconds: how soon a reload is noticed


def _routes(metrics_app: WSGIApplication) -> WSGIApplication:
    """The metrics at /metrics, and a pointer to them anywhere else."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == METRICS_PATH:
            return metrics_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [f"venue-balances: the metrics are at {METRICS_PATH}\n".encode()]

    return app


def write_textfile(path: str | PathLike[str], text: str) -> None:
    """Replace `path` with `text` atomically: a reader sees the old file or the new, whole.

    The text goes to a temporary file in the same directory (so the rename stays on one
    filesystem), is flushed to disk, then renamed over `path`. An existing file keeps its
    permissions; a new one gets the umask's, as a shell redirection would give it.
    """
    target = Path(path)
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            file.write(text.encode())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise

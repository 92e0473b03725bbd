"""The exporter's HTTP server: one event loop reads requests whole, a few threads answer them.

    server = HttpServer(app, ("127.0.0.1", 9464), tls=None)   # binds now: OSError if taken
    thread = server.start()                                   # or server.serve_forever()
    ...
    server.shutdown()                                         # back within a fraction of a second

Why not wsgiref's thread per connection: an idle or trickling socket held a thread for as
long as it liked, so a few hundred of them took every thread and file the process had, and
the polls and scrapes with them. Here an asyncio loop in one thread accepts every
connection, does the TLS handshake (non-blocking) and reads the request head; only a
complete request takes one of `handlers` threads (`adapter.unattended.wsgi.respond`). Each
connection must complete its handshake and request within `read_timeout` seconds of being
accepted (or of its previous answer, when kept alive), else it is dropped unanswered. A
connection costs its socket and at most a request head of memory (`channel`).
Connections are bounded by `max_connections`, kept below the process's file limit (whose
soft value is raised toward the hard one when it is lower): when full, the connection that
has waited longest for its request is closed to make room, so new scrapes still get in.
The listen backlog is `BACKLOG`. Request heads are bounded and bodies refused (see `wsgi`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import queue
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from wsgiref.types import WSGIApplication

from adapter.unattended.channel import Channel, TlsChannel, read_head, readable
from adapter.unattended.wsgi import Refused, parse_head, refusal, respond

__all__ = ["BACKLOG", "HANDLERS", "MAX_CONNECTIONS", "READ_TIMEOUT", "HttpServer"]

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0  # seconds from accept (or the last answer) to a complete request head
HANDLERS = 4  # threads running the application
BACKLOG = 1024  # the kernel caps it at net.core.somaxconn
MAX_CONNECTIONS = 4096
FILE_RESERVE = 256  # descriptors left for the rest of the process: polls, history, logs

T = TypeVar("T")
TlsContext = Callable[[], ssl.SSLContext]
"""Gives the context for a new connection (a renewed certificate shows up here); raising
refuses the connection."""


class HttpServer:
    """A WSGI application served over HTTP/1.1 (or HTTPS with `tls`) on one address."""

    def __init__(
        self,
        app: WSGIApplication,
        listen: tuple[str, int],
        *,
        tls: TlsContext | None = None,
        read_timeout: float = READ_TIMEOUT,  # seconds
        handlers: int = HANDLERS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if not read_timeout > 0 or handlers < 1 or max_connections < 1:
            raise ValueError("read_timeout, handlers and max_connections must be positive")
        host, port = listen
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        dual = host == "::" and socket.has_dualstack_ipv6()  # [::] means every address
        self._socket = socket.create_server(
            (host, port), family=family, backlog=BACKLOG, dualstack_ipv6=dual
        )
        self._socket.setblocking(False)
        self.address: tuple[str, int] = self._socket.getsockname()[:2]
        self.app = app
        self.tls = tls
        self._scheme = "http" if tls is None else "https"
        self.read_timeout = read_timeout
        self.handlers = handlers
        self.max_connections = connection_bound(max_connections)
        self._connections: dict[asyncio.Task[None], None] = {}
        self._waiting: dict[asyncio.Task[None], None] = {}  # for a request, oldest first
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._done = threading.Event()
        self._shutdown_asked = False
        self._lock = threading.Lock()

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    @property
    def connections(self) -> int:
        """Connections open now (for tests and the benchmark)."""
        return len(self._connections)

    def start(self) -> threading.Thread:
        """`serve_forever` in a daemon thread, returned once the loop runs."""
        thread = threading.Thread(
            target=self.serve_forever, name="venue-balances-http", daemon=True
        )
        thread.start()
        self._started.wait(5)
        return thread

    def serve_forever(self) -> None:
        """Serve until `shutdown()`; closes the listening socket on the way out."""
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_log_loop_error)
        pool = _Handlers(self.handlers)
        try:
            with self._lock:
                if self._shutdown_asked:
                    return
                self._loop = loop
            loop.run_until_complete(self._main(pool))
        finally:
            pool.close()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._socket.close()
            self._done.set()
            self._started.set()

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop serving and close every connection; waits up to `timeout` seconds for it."""
        with self._lock:
            self._shutdown_asked = True
            loop = self._loop
        if loop is None:
            self._socket.close()  # never served
            return
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(self._stop)
        self._done.wait(timeout)

    def _stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def _main(self, pool: _Handlers) -> None:
        self._stopping = asyncio.Event()
        if self._shutdown_asked:  # asked before this task first ran: its _stop found no event
            self._stopping.set()
        self._started.set()
        accepting = asyncio.create_task(self._accept(pool))
        await self._stopping.wait()
        accepting.cancel()
        tasks = [accepting, *self._connections]
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=1.0)
        await asyncio.sleep(0)  # aborted transports close their sockets on the next turn

    async def _accept(self, pool: _Handlers) -> None:
        loop = asyncio.get_running_loop()
        accepted = 0
        warned = -60.0
        while True:
            try:
                sock, peer = await loop.sock_accept(self._socket)
            except OSError as exc:
                if exc.errno in {errno.ECONNABORTED, errno.EPROTO, errno.EINTR}:
                    continue  # that client gave up before it was accepted
                if loop.time() - warned >= 60:  # a lasting trouble is said once a minute
                    log.warning("cannot accept connections: %s", exc.strerror or exc)
                    warned = loop.time()
                if exc.errno in {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}:
                    # Out of descriptors all the same (another part of the process took
                    # them): make room.
                    self._close_longest_waiting()
                await asyncio.sleep(0.05)  # never a busy loop on an error that stays
                continue
            if len(self._connections) >= self.max_connections and not self._close_longest_waiting():
                sock.close()  # every connection is being answered: this one waits its turn
                continue
            task = asyncio.create_task(self._serve(sock, peer, pool))
            self._connections[task] = None
            self._waiting[task] = None
            task.add_done_callback(self._forget)
            accepted += 1
            if accepted % 64 == 0:
                await asyncio.sleep(0)  # a flood of connections must not starve the answers

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._connections.pop(task, None)
        self._waiting.pop(task, None)

    def _close_longest_waiting(self) -> bool:
        for task in self._waiting:
            self._forget(task)
            task.cancel()
            return True
        return False

    async def _serve(self, sock: socket.socket, address: Any, pool: _Handlers) -> None:
        """One connection: handshake, then request after request until it closes or idles."""
        peer = (str(address[0]), int(address[1])) if isinstance(address, tuple) else ("", 0)
        task = asyncio.current_task()
        assert task is not None
        channel: Channel | None = None
        buffer = bytearray()  # what the client sent beyond the head being answered
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one send per answer
            async with asyncio.timeout(self.read_timeout):
                channel = await self._open(sock)
                head = await read_head(channel, buffer)
            while True:
                self._waiting.pop(task, None)
                request = parse_head(head)
                answer = await pool.run(
                    functools.partial(
                        respond, self.app, request, scheme=self._scheme, server=self.address,
                        peer=peer,
                    )
                )  # fmt: skip
                async with asyncio.timeout(self.read_timeout):
                    await channel.send(answer)  # a client that never reads it is dropped
                if not request.keep_alive:
                    break
                self._waiting[task] = None  # to the back of the queue: it just behaved
                async with asyncio.timeout(self.read_timeout):
                    head = await read_head(channel, buffer)
        except Refused as exc:
            if channel is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1.0):
                        await channel.send(refusal(exc.status, exc.reason, keep_alive=False))
        except (TimeoutError, OSError, EOFError):
            pass  # gone, trickling, never handshaking, or not speaking TLS: no answer
        finally:
            if channel is None:
                sock.close()
            else:
                channel.close()

    async def _open(self, sock: socket.socket) -> Channel:
        if self.tls is None:
            return Channel(sock)
        await readable(sock)  # no TLS state for a socket that sends nothing
        try:
            context = self.tls()
        except Exception as exc:
            log.debug("refusing a connection: no usable TLS configuration: %s", exc)
            raise EOFError from None
        channel = TlsChannel(sock, context)
        try:
            await channel.handshake()
        except BaseException:
            sock.close()
            raise
        return channel


class _Handlers:
    """A fixed number of daemon threads running jobs for the event loop, first come first
    served; daemon, so an application stuck in a job never holds up the process's exit."""

    def __init__(self, count: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"venue-balances-http-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, job: Callable[[], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, job))
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            loop, future, job = item
            if future.cancelled():
                continue  # its connection was closed while it queued
            settle: Callable[[asyncio.Future[Any], Any], None] = _set_result
            try:
                outcome = job()
            except BaseException as exc:
                settle, outcome = _set_exception, exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, future, outcome)


def _set_result(future: asyncio.Future[Any], result: object) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def connection_bound(wanted: int) -> int:
    """How many connections to allow: `wanted`, or fewer when the process's file limit
    cannot hold them besides `FILE_RESERVE` others. Raises the soft limit toward the hard
    one first when it is lower than that (it often is 1024 while the hard one is far more)."""
    try:
        import resource
    except ImportError:  # Windows: no such per-process limit to raise
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + FILE_RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        raised = need if hard == resource.RLIM_INFINITY else min(need, hard)
        if raised > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
                soft = raised
            except (ValueError, OSError):
                pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - min(FILE_RESERVE, soft // 4)))


def _log_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A peer's misbehaviour (reset, bad TLS) is routine for a server: debug, not error."""
    exc = context.get("exception")
    level = logging.DEBUG if isinstance(exc, OSError | EOFError) else logging.WARNING
    log.log(level, "HTTP server: %s", context.get("message"), exc_info=exc)

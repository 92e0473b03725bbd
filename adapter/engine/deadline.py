"""The deadline of a public call, and how it reaches every place a call can wait.

`timeout` is a wall-clock deadline for the whole public call: rate-limiter waits, every
attempt and every backoff. It reaches each place a call can wait this way:

- rate limiter: a slot later than the deadline is never claimed (`RateLimiter.reserve`);
- backoff: tenacity stops when the next wait would end past it (`retry.RetryPolicy`);
- each attempt: httpx gets what remains as its per-operation timeout;
- blocking sockets: httpx timeouts are per operation, so a server trickling one byte at a
  time would never let one fire. `deadline_transport` installs a network backend whose
  every connect, read and write is cut to what is left of the deadline of the attempt
  running on that thread (kept in a context variable by `bound`), so no server holds a
  blocking call past it, without moving requests to other threads (a fifth of a call);
- async: the whole call runs under `asyncio.timeout`, which cancels whatever waits;
- fan-outs: the caller stops waiting at the deadline and reports what has not arrived;
- name resolution: `socket.create_connection` resolves with no timeout; the backend
  resolves on a daemon thread it stops waiting for at the deadline (`_resolve`);
- close(): closing a socket does not wake a thread blocked reading it, so `abort()` shuts
  down every live socket of the transport first, and blocked reads return at once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import functools
import ipaddress
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import httpx

__all__ = ["Deadline", "DeadlineTransport", "bound", "deadline_transport"]


class Deadline:
    """A point in monotonic time by which a public call must have returned."""

    __slots__ = ("_at", "_clock", "seconds")

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._at = clock() + seconds

    def seconds_left(self) -> float:
        return max(0.0, self._at - self._clock())

    def expired(self) -> bool:
        return self._clock() >= self._at


# The deadline of the attempt running in this thread, for deadline_transport's sockets.
_DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "venue_balances_deadline", default=None
)


class bound:
    """`with bound(deadline):` every socket operation of deadline_transport in the block
    ends by `deadline`. (A class: a generator-based context manager costs three times as
    much, on every attempt.)"""

    __slots__ = ("_deadline", "_token")

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __enter__(self) -> None:
        self._token = _DEADLINE.set(self._deadline)

    def __exit__(self, *exc_info: object) -> None:
        _DEADLINE.reset(self._token)


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of `host`, found within `timeout` seconds.

    socket.create_connection resolves names with no timeout at all, so a slow resolver
    held a blocking call past its deadline; the lookup runs on a daemon thread instead,
    which the caller stops waiting for at the deadline (TLS still verifies `host`).
    """
    import httpcore

    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    found: concurrent.futures.Future[list[str]] = concurrent.futures.Future()

    def lookup() -> None:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            found.set_exception(exc)
        else:
            found.set_result(list(dict.fromkeys(str(info[4][0]) for info in answers)))

    threading.Thread(target=lookup, name="venue-balances-resolve", daemon=True).start()
    try:
        return found.result(timeout)
    except concurrent.futures.TimeoutError:
        raise httpcore.ConnectTimeout(f"no address for {host} by the deadline") from None
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """A socket operation's timeout, cut to what is left of the running attempt's deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline.seconds_left()
    if left <= 0:
        raise expired("the call's deadline has passed")
    return left if timeout is None else min(timeout, left)


@functools.cache
def _backend_type() -> type[Any]:
    """The network backend's classes, built on first use: httpcore (with h11) is a fifth
    of the package's import time, and httpx itself imports it only for a first request."""
    import httpcore

    class _DeadlineStream(httpcore.NetworkStream):
        def __init__(self, stream: httpcore.NetworkStream) -> None:
            self._stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._stream.close()

        def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            limit = _bounded(timeout, httpcore.ConnectTimeout)
            return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, limit))

        def get_extra_info(self, info: str) -> Any:
            return self._stream.get_extra_info(info)

    class _DeadlineBackend(httpcore.NetworkBackend):
        def __init__(self) -> None:
            self._backend = httpcore.SyncBackend()
            self._streams: weakref.WeakSet[_DeadlineStream] = weakref.WeakSet()
            self._lock = threading.Lock()
            self._aborted = False

        def _kept(self, stream: httpcore.NetworkStream) -> _DeadlineStream:
            wrapped = _DeadlineStream(stream)
            with self._lock:
                if not self._aborted:
                    self._streams.add(wrapped)
                    return wrapped
            stream.close()  # opened while close() ran: closed, not left for the collector
            raise httpcore.ConnectError("the client was closed")

        def abort(self) -> None:
            """Shut down every live socket: threads blocked reading them return at once;
            a socket connecting meanwhile is closed as soon as it is open."""
            with self._lock:
                self._aborted = True
                streams = list(self._streams)
            for stream in streams:
                sock = stream.get_extra_info("socket")
                if isinstance(sock, socket.socket):
                    with contextlib.suppress(OSError):  # already closed, or never connected
                        sock.shutdown(socket.SHUT_RDWR)

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            addresses = _resolve(host, port, _bounded(timeout, httpcore.ConnectTimeout))
            failure: Exception | None = None
            for address in addresses:  # as socket.create_connection tries them, in order
                limit = _bounded(timeout, httpcore.ConnectTimeout)
                try:
                    stream = self._backend.connect_tcp(
                        address, port, limit, local_address, socket_options
                    )
                except httpcore.ConnectError as exc:
                    failure = exc
                else:
                    return self._kept(stream)
            raise failure or httpcore.ConnectError(f"{host} has no address")

        def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            limit = _bounded(timeout, httpcore.ConnectTimeout)
            return self._kept(self._backend.connect_unix_socket(path, limit, socket_options))

        def sleep(self, seconds: float) -> None:
            self._backend.sleep(seconds)

    return _DeadlineBackend


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, with every socket operation also ending by the deadline of
    the attempt that runs it, and `abort()` to end requests in flight (module docstring)."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._backend = _backend_type()()
        # httpcore takes a network backend as a public constructor argument; httpx builds
        # the pool without one, so it is set on the pool httpx built (tests catch it if
        # httpx moves).
        self._pool._network_backend = self._backend

    def abort(self) -> None:
        self._backend.abort()


def deadline_transport(limits: httpx.Limits) -> DeadlineTransport:
    return DeadlineTransport(limits)

"""One configured account's runtime state, and how it carries out one call.

An account is one set of venue credentials inside one client, under its name: its signer,
base URL, generated client, connection pool, rate limiter, fan-out workers and URL cache.
Nothing of that is shared between accounts or clients, so two accounts never send each
other's requests or share a pool. What they share is the client's in-flight bound, handed
out fairly (`inflight`). The connection pool (and its TLS context) is built on the first
request, not before.

`SyncAccount` and `AsyncAccount` are twins: in-flight slot, rate-limit wait, one attempt
(`attempt.receive`), retries (`retry.RetryPolicy`), all within the call's `Deadline`. They
stay side by side in this one module (hence its length) so that a change to one is seen
next to the other.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import httpx

from adapter.domain import Venue
from adapter.engine.attempt import receive, receive_async
from adapter.engine.call import Call, Outcome
from adapter.engine.deadline import Deadline, DeadlineTransport, deadline_transport
from adapter.engine.inflight import AsyncFairSlots, FairSlots
from adapter.engine.ratelimit import RateLimiter
from adapter.engine.retry import RetryPolicy
from adapter.errors import AdapterError, VenueUnavailableError

__all__ = ["AccountSettings", "AsyncAccount", "Options", "SyncAccount", "Turns"]

T = TypeVar("T")

# A balance body is a few hundred bytes: compression saves nothing, and an uncompressed
# body is one whose size cap holds on the wire as well as in memory.
HEADERS = {"Accept-Encoding": "identity", "User-Agent": "venue-balances"}
URL_CACHE_SIZE = 4096


@attrs.frozen
class AccountSettings:
    """What one account needs from its venue: its name, who signs, where to, and how fast."""

    name: str
    venue: Venue
    signer: httpx.Auth
    base_url: str
    rate_limit: float | None  # requests per second; None: no limit
    generated_client: Callable[..., Any]
    """The generated package's `Client` class (keyword `base_url`, `headers`, `httpx_args`...)."""


@attrs.frozen
class Options:
    """A client's options that every account shares."""

    timeout: float  # seconds
    policy: RetryPolicy
    max_in_flight: int
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None


class _Account:
    """What the sync and async accounts share: settings, URL cache, limiter, errors."""

    def __init__(self, settings: AccountSettings, options: Options) -> None:
        self.name = settings.name
        self.venue = settings.venue
        self.settings = settings
        self.options = options
        self.limiter = None if settings.rate_limit is None else RateLimiter(settings.rate_limit)
        self.closed = False
        self._urls: dict[tuple[Any, ...], httpx.URL] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.venue}, {self.settings.signer!r})"

    def _limits(self) -> httpx.Limits:
        """One connection per request in flight, each kept alive for the next."""
        bound = self.options.max_in_flight
        return httpx.Limits(max_connections=bound, max_keepalive_connections=bound)

    def _generated(self, transport: object) -> Any:
        return self.settings.generated_client(
            base_url=self.settings.base_url,
            headers=HEADERS,
            timeout=httpx.Timeout(self.options.timeout),
            follow_redirects=False,
            httpx_args={
                "auth": self.settings.signer,
                **(
                    {"transport": transport}
                    if transport is not None
                    else {"limits": self._limits()}
                ),
            },
        )

    def _prepared(
        self, http: httpx.Client | httpx.AsyncClient, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """The generated request arguments with the URL merged by httpx once and reused.

        Merging the base URL, path and query parameters is a third of the adapter's own
        time per call (three URL parses), and a poller asks for the same URLs over and over.
        """
        if not arguments.keys() <= {"method", "url", "params"}:
            return arguments
        key = (arguments["method"], arguments["url"], tuple(arguments.get("params", {}).items()))
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[key] = http.build_request(**arguments).url
        return {"method": arguments["method"], "url": url}

    def _rate_wait(self, call: Call[Any], deadline: Deadline) -> float:
        """Seconds until the rate limiter lets this attempt go (its slot claimed); an error
        if that would be past the deadline."""
        if self.limiter is None:
            return 0.0
        wait = self.limiter.reserve(deadline.seconds_left())
        if wait is None:
            raise call.error(
                VenueUnavailableError,
                f"the {deadline.seconds:g} s deadline would pass before the client-side rate"
                f" limit ({self.limiter.per_second:g}/s) lets this request go; raise the timeout"
                " or the rate limit",
            )
        return wait

    def _closed_error(self, call: Call[Any]) -> AdapterError:
        """A call of this account that meets close() on its way (a call begun after close()
        is refused before it reaches an account: `client._Core`)."""
        return call.error(VenueUnavailableError, "the client was closed during the call")

    def _closed_meanwhile(self, call: Call[Any], error: Exception) -> Exception:
        """What a failed attempt means once the client was closed under it: httpx's
        RuntimeError ("the client has been closed") or a torn-down connection becomes a
        VenueUnavailableError. Before close(), a RuntimeError is a bug and stays one."""
        if not self.closed:
            return error
        if isinstance(error, AdapterError) and not error.retryable:
            return error  # an answer that did arrive stands
        closed = call.error(VenueUnavailableError, "the client was closed during the call")
        closed.__cause__ = error
        return closed

    @staticmethod
    def deadline_passed(call: Call[Any], deadline: Deadline) -> AdapterError:
        return call.error(
            VenueUnavailableError, f"no answer within the {deadline.seconds:g} s deadline"
        )


class Turns:
    """Lets the calls of one fan-out take their rate-limit slots in the order given, so
    that at a deadline the calls left unsent are the last ones (threads waking up in any
    order would otherwise take slots out of turn)."""

    def __init__(self) -> None:
        self._next = 0
        self._changed = threading.Condition()

    def wait(self, turn: int, deadline: Deadline) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._next >= turn, deadline.seconds_left())

    def done(self, turn: int) -> None:
        with self._changed:
            if turn >= self._next:
                self._next = turn + 1
                self._changed.notify_all()


class SyncAccount(_Account):
    """An account of the blocking client: thread-safe."""

    def __init__(self, settings: AccountSettings, options: Options, slots: FairSlots) -> None:
        super().__init__(settings, options)
        self._slots = slots  # the client's in-flight bound, shared with its other accounts
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        self._transport: DeadlineTransport | None = None
        self._workers: concurrent.futures.ThreadPoolExecutor | None = None
        self._queued: set[concurrent.futures.Future[Any]] = set()
        self._closing = threading.Event()
        """Set by close(): a thread sleeping for its rate-limit slot wakes and gives up."""

    def http(self, call: Call[Any]) -> httpx.Client:
        with self._lock:
            if self.closed:
                raise self._closed_error(call)
            if self._http is None:
                transport = self.options.transport
                if transport is None:
                    transport = self._transport = deadline_transport(self._limits())
                self._http = self._generated(transport).get_httpx_client()
            return self._http

    def submit(
        self, call: Call[Any], work: Callable[..., Outcome[Any]], *args: Any
    ) -> concurrent.futures.Future[Outcome[Any]]:
        """Run `work(*args)` on this account's fan-out threads, one per in-flight request,
        which take work in the order submitted."""
        with self._lock:
            if self.closed:
                raise self._closed_error(call)
            if self._workers is None:
                self._workers = concurrent.futures.ThreadPoolExecutor(
                    self.options.max_in_flight, thread_name_prefix=f"venue-balances-{self.name}"
                )
            future = self._workers.submit(work, *args)
            self._queued.add(future)
        future.add_done_callback(self._queued.discard)
        return future

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._closing.set()
            if self._workers is not None:
                queued = list(self._queued)  # cancelling takes each out of the set
                self._workers.shutdown(wait=False, cancel_futures=True)
                # The pool cancels the work still queued but does not wake those waiting
                # for it (concurrent.futures.wait): tell them, or a fan-out would sit out
                # its whole deadline.
                for future in queued:
                    if future.cancelled():
                        future.set_running_or_notify_cancel()
            if self._transport is not None:
                self._transport.abort()  # wakes workers blocked reading a socket
            if self._http is not None:
                self._http.close()

    def fetch(
        self, call: Call[T], deadline: Deadline, turns: Turns | None = None, turn: int = 0
    ) -> T:
        """Carry out one call: in-flight bound, rate limit, attempts; raises AdapterError."""
        try:
            http = self.http(call)
            arguments = self._prepared(http, call.request)
        except BaseException:
            if turns is not None:
                turns.done(turn)  # or every later call of the fan-out waits for this one
            raise
        first = True

        def attempt() -> T:
            nonlocal first
            ordered, first = turns if first else None, False  # retries wait for no turn
            try:
                if ordered is not None and not ordered.wait(turn, deadline):
                    raise self.deadline_passed(call, deadline)
                if not self._slots.acquire(self.name, deadline.seconds_left()):
                    raise self.deadline_passed(call, deadline)
            except AdapterError:
                if ordered is not None:
                    ordered.done(turn)
                raise
            try:
                try:
                    wait = self._rate_wait(call, deadline)
                finally:
                    if ordered is not None:
                        ordered.done(turn)
                if wait and self._closing.wait(wait):  # woken by close(): no request
                    raise self._closed_error(call)
                return receive(http, call, arguments, deadline)
            except (AdapterError, RuntimeError) as error:
                raise self._closed_meanwhile(call, error) from error.__cause__
            finally:
                self._slots.release()

        return self.options.policy.call(deadline, attempt)

    def outcome(
        self, call: Call[T], deadline: Deadline, turns: Turns | None = None, turn: int = 0
    ) -> Outcome[T]:
        try:
            return self.fetch(call, deadline, turns, turn)
        except AdapterError as error:
            return error


class AsyncAccount(_Account):
    """An account of the async client: belongs to one event loop."""

    def __init__(self, settings: AccountSettings, options: Options, slots: AsyncFairSlots) -> None:
        super().__init__(settings, options)
        self._slots = slots  # the client's in-flight bound, shared with its other accounts
        self._http: httpx.AsyncClient | None = None
        self._sending: set[Any] = set()
        """The attempts on the wire (asyncio tasks): aclose() cancels them, or one still
        connecting would send its request after the pool closed and leave its socket open."""

    def http(self, call: Call[Any]) -> httpx.AsyncClient:
        if self.closed:
            raise self._closed_error(call)
        if self._http is None:
            self._http = self._generated(self.options.transport).get_async_httpx_client()
        return self._http

    async def aclose(self) -> None:
        import asyncio

        self.closed = True
        sending = list(self._sending)
        for task in sending:
            task.cancel()
        if sending:
            await asyncio.wait(sending)
        if self._http is not None:
            await self._http.aclose()

    async def _send(
        self, http: httpx.AsyncClient, call: Call[T], arguments: dict[str, Any], deadline: Deadline
    ) -> T:
        """One attempt, as a task aclose() can cancel: cancelled so, it is the client
        closed during the call; cancelled from outside (the deadline), it stays cancelled."""
        import asyncio

        task = asyncio.ensure_future(receive_async(http, call, arguments, deadline))
        self._sending.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self.closed and current is not None and not current.cancelling():
                raise self._closed_error(call) from None
            raise
        finally:
            self._sending.discard(task)

    async def fetch(self, call: Call[T], deadline: Deadline) -> T:
        import asyncio

        http = self.http(call)
        arguments = self._prepared(http, call.request)

        async def attempt() -> T:
            await self._slots.acquire(self.name)
            try:
                wait = self._rate_wait(call, deadline)
                if wait:
                    await asyncio.sleep(wait)
                if self.closed:  # closed while this attempt waited for its turn
                    raise self._closed_error(call)
                try:
                    return await self._send(http, call, arguments, deadline)
                except (AdapterError, RuntimeError) as error:
                    raise self._closed_meanwhile(call, error) from error.__cause__
            finally:
                self._slots.release()

        try:
            async with asyncio.timeout(deadline.seconds_left()):
                return await self.options.policy.call_async(deadline, attempt)
        except TimeoutError:
            raise self.deadline_passed(call, deadline) from None

    async def outcome(self, call: Call[T], deadline: Deadline) -> Outcome[T]:
        try:
            return await self.fetch(call, deadline)
        except AdapterError as error:
            return error

"""`BalanceClient` and `AsyncBalanceClient`: both venues' balances over the generated clients.

Each configured venue gets one generated client (one connection pool, reused across calls)
with its signer injected as the `httpx.Auth`. A public call has one deadline (`timeout`)
that covers rate-limiter waits, every attempt and every backoff; fan-out runs with at most
`max_in_flight` requests per venue at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, TypeAlias, TypeVar

import httpx
import venue_balances_coinswitch_dma
import venue_balances_kalshi

from adapter import coinswitch, kalshi
from adapter.config import check_http_url, client_arguments
from adapter.domain import BalanceReport, FetchError, SubaccountBalance, Venue
from adapter.errors import (
    AdapterError,
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    VenueUnavailableError,
)
from adapter.ratelimit import RateLimiter
from adapter.retry import Deadline, RetryPolicy
from adapter.signing import CoinSwitchSigner, KalshiSigner
from adapter.transport import Call, deadline_transport, receive, receive_async

__all__ = ["AsyncBalanceClient", "BalanceClient"]

T = TypeVar("T")
Outcome: TypeAlias = T | AdapterError
Progress: TypeAlias = Callable[[int, int], None]

# A balance body is a few hundred bytes: compression saves nothing, and an uncompressed
# body is one whose size cap holds on the wire as well as in memory.
_HEADERS = {"Accept-Encoding": "identity", "User-Agent": "venue-balances"}

DEFAULT_TIMEOUT = 10.0
DEFAULT_COINSWITCH_RATE_LIMIT = 10.0

_CONFIGURE = {
    Venue.KALSHI: "pass kalshi=KalshiSigner(...), or set KALSHI_API_KEY_ID and"
    " KALSHI_PRIVATE_KEY_PATH",
    Venue.COINSWITCH_DMA: "pass coinswitch=CoinSwitchSigner(...), or set COINSWITCH_API_KEY and"
    " COINSWITCH_SECRET_KEY",
}


class _BalanceClientBase:
    """What the sync and async clients share: settings, signers, calls, id checks."""

    def __init__(
        self,
        kalshi: KalshiSigner | None = None,
        coinswitch: CoinSwitchSigner | None = None,
        *,
        kalshi_base_url: str = kalshi.DEFAULT_BASE_URL,
        coinswitch_base_url: str = coinswitch.DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        kalshi_rate_limit: float | None = 20.0,
        coinswitch_rate_limit: float | None = DEFAULT_COINSWITCH_RATE_LIMIT,
        max_in_flight: int = 10,
        retry_base_delay: float = 0.25,
        retry_max_delay: float = 8.0,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        for name, signer, kind in (
            ("kalshi", kalshi, KalshiSigner),
            ("coinswitch", coinswitch, CoinSwitchSigner),
        ):
            if signer is not None and not isinstance(signer, kind):
                raise ConfigurationError(
                    f"{name} must be a {kind.__name__} or None, not {type(signer).__name__}"
                )
        for name, value in (
            ("timeout", timeout),
            ("retry_base_delay", retry_base_delay),
            ("retry_max_delay", retry_max_delay),
        ):
            _positive(name, value, "seconds")
        for name, rate in (
            ("kalshi_rate_limit", kalshi_rate_limit),
            ("coinswitch_rate_limit", coinswitch_rate_limit),
        ):
            if rate is not None:
                _positive(name, rate, "requests per second (or None for no limit)")
        _at_least("max_retries", max_retries, 0)
        _at_least("max_in_flight", max_in_flight, 1)
        self.timeout = float(timeout)
        self.max_in_flight = max_in_flight
        self._policy = RetryPolicy(max_retries, retry_base_delay, retry_max_delay)
        self._signers: dict[Venue, httpx.Auth] = {}
        self._limiters: dict[Venue, RateLimiter | None] = {}
        self._generated: dict[
            Venue, venue_balances_kalshi.Client | venue_balances_coinswitch_dma.Client
        ] = {}
        self._urls: dict[tuple[Any, ...], httpx.URL] = {}
        limits = httpx.Limits(
            max_connections=max_in_flight, max_keepalive_connections=max_in_flight
        )
        for venue, signer, base_url, rate_limit, package in (
            (Venue.KALSHI, kalshi, kalshi_base_url, kalshi_rate_limit, venue_balances_kalshi),
            (
                Venue.COINSWITCH_DMA,
                coinswitch,
                coinswitch_base_url,
                coinswitch_rate_limit,
                venue_balances_coinswitch_dma,
            ),
        ):
            check_http_url(f"{venue} base URL", base_url)
            self._limiters[venue] = None if rate_limit is None else RateLimiter(rate_limit)
            if signer is not None:
                self._signers[venue] = signer
                self._generated[venue] = package.Client(
                    base_url=base_url,
                    headers=_HEADERS,
                    timeout=httpx.Timeout(self.timeout),
                    follow_redirects=False,
                    httpx_args={**self._connection(limits, transport), "auth": signer},
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client configured from the environment variables; keyword options override them."""
        arguments = client_arguments(os.environ if environ is None else environ)
        return cls(**{**arguments, **options})

    @property
    def venues(self) -> tuple[Venue, ...]:
        """The configured venues."""
        return tuple(self._signers)

    def __repr__(self) -> str:
        signers = ", ".join(repr(signer) for signer in self._signers.values())
        return f"{type(self).__name__}({signers}, timeout={self.timeout:g})"

    def _require(self, venue: Venue) -> None:
        if venue not in self._signers:
            raise CredentialsError(f"{venue} is not configured: {_CONFIGURE[venue]}", venue=venue)

    def _kalshi_call(self) -> Call[list[SubaccountBalance]]:
        self._require(Venue.KALSHI)
        return Call(
            venue=Venue.KALSHI,
            endpoint=kalshi.ENDPOINT,
            subaccount=None,
            request=self._prepared(Venue.KALSHI, kalshi.request()),
            parse=kalshi.balances_from_json,
            error_message=kalshi.error_message,
        )

    def _coinswitch_call(self, subaccount_id: object) -> Call[SubaccountBalance]:
        self._require(Venue.COINSWITCH_DMA)
        number = _subaccount_id(subaccount_id)
        return Call(
            venue=Venue.COINSWITCH_DMA,
            endpoint=coinswitch.ENDPOINT,
            subaccount=number,
            request=self._prepared(Venue.COINSWITCH_DMA, coinswitch.request(number)),
            parse=lambda payload: coinswitch.balance_from_json(payload, number),
            error_message=coinswitch.error_message,
        )

    def _client(self, venue: Venue) -> httpx.Client | httpx.AsyncClient:
        raise NotImplementedError

    def _connection(self, limits: httpx.Limits, transport: object) -> dict[str, Any]:
        """httpx arguments for one venue's connection pool."""
        if transport is not None:
            return {"transport": transport}
        return {"limits": limits}

    def _prepared(self, venue: Venue, arguments: dict[str, Any]) -> dict[str, Any]:
        """The generated request arguments with the URL merged by httpx once and reused.

        Merging the base URL, path and query parameters is a third of the adapter's own
        time per call (three URL parses), and a poller asks for the same URLs over and over.
        """
        if not arguments.keys() <= {"method", "url", "params"}:
            return arguments
        params = tuple(sorted(arguments.get("params", {}).items()))
        key = (venue, arguments["method"], arguments["url"], params)
        url = self._urls.get(key)
        if url is None:  # only a miss needs the client (and, sync, its lock)
            if len(self._urls) >= 4096:
                self._urls.clear()
            url = self._urls[key] = self._client(venue).build_request(**arguments).url
        return {"method": arguments["method"], "url": url}

    def _coinswitch_entries(
        self, subaccount_ids: Iterable[object]
    ) -> tuple[list[Call[SubaccountBalance]], list[Call[SubaccountBalance] | AdapterError]]:
        """One call per distinct valid id, and the ids in the order given: each entry is
        its call (shared by repeats of an id) or, for an id that cannot be asked for, the
        error saying why."""
        ids = list(_iterable(subaccount_ids))
        if ids:
            self._require(Venue.COINSWITCH_DMA)
        calls: dict[int | None, Call[SubaccountBalance]] = {}
        entries: list[Call[SubaccountBalance] | AdapterError] = []
        for subaccount_id in ids:
            try:
                call = self._coinswitch_call(subaccount_id)
            except AdapterError as error:
                entries.append(error)
            else:
                entries.append(calls.setdefault(call.subaccount, call))
        return list(calls.values()), entries

    def _plan(
        self, coinswitch_subaccounts: Iterable[object] | None
    ) -> tuple[list[Call[Any]], list[FetchError]]:
        """The calls of `all_balances`, and what failed before any request."""
        calls: list[Call[Any]] = []
        if Venue.KALSHI in self._signers:
            calls.append(self._kalshi_call())
        if coinswitch_subaccounts is None:
            return calls, []
        try:
            coinswitch_calls, entries = self._coinswitch_entries(coinswitch_subaccounts)
        except AdapterError as error:
            return calls, [FetchError(venue=Venue.COINSWITCH_DMA, subaccount=None, error=error)]
        errors = [
            FetchError(venue=Venue.COINSWITCH_DMA, subaccount=None, error=entry)
            for entry in entries
            if isinstance(entry, AdapterError)
        ]
        return calls + coinswitch_calls, errors

    def _rate_wait(self, call: Call[Any], deadline: Deadline) -> float:
        """Seconds until the venue's rate limiter lets this attempt go (its slot claimed);
        an error if that would be past the deadline."""
        limiter = self._limiters[call.venue]
        if limiter is None:
            return 0.0
        wait = limiter.reserve(deadline.seconds_left())
        if wait is None:
            raise call.error(
                VenueUnavailableError,
                f"the {deadline.seconds:g} s deadline would pass before the client-side rate"
                f" limit ({limiter.per_second:g}/s) lets this request go; raise the timeout"
                " or the rate limit",
            )
        return wait

    def _deadline_passed(self, call: Call[Any], deadline: Deadline) -> AdapterError:
        return call.error(
            VenueUnavailableError, f"no answer within the {deadline.seconds:g} s deadline"
        )


class _Counter:
    """Counts finished requests for a progress callback (thread-safe)."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self._total = total
        self._progress = progress
        self._done = 0
        self._lock = threading.Lock()

    def done(self, outcome: T) -> T:
        if self._progress is not None:
            with self._lock:
                self._done += 1
                self._progress(self._done, self._total)
        return outcome


def _positive(name: str, value: object, unit: str) -> None:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not value > 0
        or math.isinf(value)
    ):
        raise ConfigurationError(f"{name} must be a positive number of {unit}, not {value!r}")


def _at_least(name: str, value: object, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, not {value!r}")


def _iterable(ids: object) -> Iterable[object]:
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise BadRequestError(
            "CoinSwitch subaccount ids must be a list of integers", venue=Venue.COINSWITCH_DMA
        )
    return ids


def _subaccount_id(value: object) -> int:
    if type(value) is not int or not 0 <= value < 2**63:  # the spec's int64
        raise BadRequestError(
            f"a CoinSwitch subaccount id is an integer >= 0, not {value!r:.40}",
            venue=Venue.COINSWITCH_DMA,
            endpoint=coinswitch.ENDPOINT,
        )
    return value


def _report(calls: list[Call[Any]], outcomes: list[Any], errors: list[FetchError]) -> BalanceReport:
    balances: list[SubaccountBalance] = []
    for call, outcome in zip(calls, outcomes, strict=True):
        if isinstance(outcome, AdapterError):
            errors.append(FetchError(venue=call.venue, subaccount=call.subaccount, error=outcome))
        elif isinstance(outcome, list):
            balances.extend(outcome)
        else:
            balances.append(outcome)
    return BalanceReport(balances=balances, errors=errors)


def _in_order(
    entries: list[Call[SubaccountBalance] | AdapterError],
    calls: list[Call[SubaccountBalance]],
    outcomes: list[Outcome[SubaccountBalance]],
) -> list[SubaccountBalance]:
    """One balance per id given, in that order; or the first failure in that order."""
    fetched = {id(call): outcome for call, outcome in zip(calls, outcomes, strict=True)}
    balances = []
    for entry in entries:
        outcome = entry if isinstance(entry, AdapterError) else fetched[id(entry)]
        if isinstance(outcome, AdapterError):
            raise outcome
        balances.append(outcome)
    return balances


class BalanceClient(_BalanceClientBase):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (blocking; thread-safe).

    Every socket read and write ends by the call's deadline, so no server, however slowly
    it trickles bytes, holds a call past `timeout`; fan-outs run on the client's worker
    threads, which the caller stops waiting for at the deadline. Use as a context manager,
    or call `close()`, to release the connection pools and the workers.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = {venue: threading.BoundedSemaphore(self.max_in_flight) for venue in Venue}
        self._http: dict[Venue, httpx.Client] = {}
        self._workers: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pools and workers; the client cannot be used afterwards."""
        with self._lock:
            self._closed = True
            if self._workers is not None:
                self._workers.shutdown(wait=False, cancel_futures=True)
            for http in self._http.values():
                http.close()  # also ends any request a worker is still waiting on

    def kalshi_balances(self) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's balance (the primary is subaccount 0), in one request."""
        return self._fetch(self._kalshi_call(), Deadline(self.timeout))

    def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA subaccount's balance."""
        return self._fetch(self._coinswitch_call(subaccount_id), Deadline(self.timeout))

    def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        deadline = Deadline(self.timeout)
        calls, entries = self._coinswitch_entries(subaccount_ids)
        return _in_order(entries, calls, self._fan_out(calls, deadline))

    def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | None = None,
        *,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured venue's balances at once; failures are reported, never raised.

        `progress(done, total)` is called as each request finishes (from worker threads).
        """
        deadline = Deadline(self.timeout)
        calls, errors = self._plan(coinswitch_subaccounts)
        return _report(calls, self._fan_out(calls, deadline, progress), errors)

    def _client(self, venue: Venue) -> httpx.Client:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{type(self).__name__} is closed")
            if venue not in self._http:
                self._http[venue] = self._generated[venue].get_httpx_client()
            return self._http[venue]

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{type(self).__name__} is closed")
            if self._workers is None:
                # Both venues' in-flight bounds, and room for workers still waiting on
                # requests whose callers gave up at their deadline.
                self._workers = concurrent.futures.ThreadPoolExecutor(
                    2 * self.max_in_flight + 4, thread_name_prefix="venue-balances"
                )
            return self._workers

    def _connection(self, limits: httpx.Limits, transport: object) -> dict[str, Any]:
        if transport is not None:
            return {"transport": transport}
        return {"transport": deadline_transport(limits)}

    def _fetch(self, call: Call[T], deadline: Deadline) -> T:
        http = self._client(call.venue)
        in_flight = self._in_flight[call.venue]

        def attempt() -> T:
            if not in_flight.acquire(timeout=deadline.seconds_left()):
                raise self._deadline_passed(call, deadline)
            try:
                wait = self._rate_wait(call, deadline)
                if wait:
                    time.sleep(wait)
                return receive(http, call, deadline)
            finally:
                in_flight.release()

        return self._policy.call(deadline, attempt)

    def _outcome(self, call: Call[T], deadline: Deadline, counter: _Counter) -> Outcome[T]:
        try:
            outcome: Outcome[T] = self._fetch(call, deadline)
        except AdapterError as error:
            outcome = error
        return counter.done(outcome)

    def _fan_out(
        self, calls: list[Call[Any]], deadline: Deadline, progress: Progress | None = None
    ) -> list[Any]:
        counter = _Counter(len(calls), progress)
        for venue in {call.venue for call in calls}:
            self._client(venue)  # build pools here, not racing in the workers
        workers = self._executor()
        futures = [workers.submit(self._outcome, call, deadline, counter) for call in calls]
        concurrent.futures.wait(futures, timeout=deadline.seconds_left())
        outcomes = []
        for call, future in zip(calls, futures, strict=True):
            if future.done() and not future.cancelled():
                outcomes.append(future.result())
            else:
                future.cancel()
                outcomes.append(self._deadline_passed(call, deadline))
        return outcomes


class AsyncBalanceClient(_BalanceClientBase):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (asyncio).

    Use with `async with`, or await `aclose()`, to release the connection pools. Like an
    `httpx.AsyncClient`, one instance belongs to one event loop.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = {venue: asyncio.Semaphore(self.max_in_flight) for venue in Venue}
        self._http: dict[Venue, httpx.AsyncClient] = {}
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pools; the client cannot be used afterwards."""
        self._closed = True
        for http in self._http.values():
            await http.aclose()

    async def kalshi_balances(self) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's balance (the primary is subaccount 0), in one request."""
        call = self._kalshi_call()
        return await self._fetch(call, Deadline(self.timeout))

    async def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA subaccount's balance."""
        call = self._coinswitch_call(subaccount_id)
        return await self._fetch(call, Deadline(self.timeout))

    async def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        deadline = Deadline(self.timeout)
        calls, entries = self._coinswitch_entries(subaccount_ids)
        return _in_order(entries, calls, await self._fan_out(calls, deadline))

    async def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | None = None,
        *,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured venue's balances at once; failures are reported, never raised.

        `progress(done, total)` is called as each request finishes.
        """
        deadline = Deadline(self.timeout)
        calls, errors = self._plan(coinswitch_subaccounts)
        return _report(calls, await self._fan_out(calls, deadline, progress), errors)

    def _client(self, venue: Venue) -> httpx.AsyncClient:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        if venue not in self._http:
            self._http[venue] = self._generated[venue].get_async_httpx_client()
        return self._http[venue]

    async def _fetch(self, call: Call[T], deadline: Deadline) -> T:
        http = self._client(call.venue)
        in_flight = self._in_flight[call.venue]

        async def attempt() -> T:
            async with in_flight:
                wait = self._rate_wait(call, deadline)
                if wait:
                    await asyncio.sleep(wait)
                return await receive_async(http, call, deadline)

        try:
            async with asyncio.timeout(deadline.seconds_left()):
                return await self._policy.call_async(deadline, attempt)
        except TimeoutError:
            raise self._deadline_passed(call, deadline) from None

    async def _outcome(self, call: Call[T], deadline: Deadline) -> Outcome[T]:
        try:
            return await self._fetch(call, deadline)
        except AdapterError as error:
            return error

    async def _fan_out(
        self, calls: list[Call[Any]], deadline: Deadline, progress: Progress | None = None
    ) -> list[Any]:
        counter = _Counter(len(calls), progress)

        async def one(call: Call[Any]) -> Any:
            return counter.done(await self._outcome(call, deadline))

        return list(await asyncio.gather(*(one(call) for call in calls)))

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

import coinswitch_dma_client
import httpx
import kalshi_client

from adapter import coinswitch, kalshi
from adapter.config import client_arguments
from adapter.domain import BalanceReport, FetchError, SubaccountBalance, Venue
from adapter.errors import AdapterError, BadRequestError, CredentialsError, VenueUnavailableError
from adapter.ratelimit import RateLimiter
from adapter.retry import Deadline, RetryPolicy
from adapter.signing import CoinSwitchSigner, KalshiSigner
from adapter.transport import Call, receive, receive_async

__all__ = ["AsyncBalanceClient", "BalanceClient"]

T = TypeVar("T")
Outcome: TypeAlias = T | AdapterError
Progress: TypeAlias = Callable[[int, int], None]

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
        if kalshi is not None and not isinstance(kalshi, KalshiSigner):
            raise TypeError(f"kalshi must be a KalshiSigner or None, not {type(kalshi).__name__}")
        if coinswitch is not None and not isinstance(coinswitch, CoinSwitchSigner):
            raise TypeError(
                f"coinswitch must be a CoinSwitchSigner or None, not {type(coinswitch).__name__}"
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
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, not {max_retries!r}")
        if (
            not isinstance(max_in_flight, int)
            or isinstance(max_in_flight, bool)
            or max_in_flight < 1
        ):
            raise ValueError(f"max_in_flight must be an integer >= 1, not {max_in_flight!r}")
        self.timeout = float(timeout)
        self.max_in_flight = max_in_flight
        self._policy = RetryPolicy(max_retries, retry_base_delay, retry_max_delay)
        self._signers: dict[Venue, httpx.Auth] = {}
        self._limiters: dict[Venue, RateLimiter | None] = {}
        self._generated: dict[Venue, kalshi_client.Client | coinswitch_dma_client.Client] = {}
        self._urls: dict[tuple[Any, ...], httpx.URL] = {}
        httpx_args: dict[str, Any] = {
            "limits": httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
        }
        if transport is not None:
            httpx_args["transport"] = transport
        for venue, signer, base_url, rate_limit, package in (
            (Venue.KALSHI, kalshi, kalshi_base_url, kalshi_rate_limit, kalshi_client),
            (
                Venue.COINSWITCH_DMA,
                coinswitch,
                coinswitch_base_url,
                coinswitch_rate_limit,
                coinswitch_dma_client,
            ),
        ):
            url = httpx.URL(base_url)
            if url.scheme not in ("http", "https") or not url.host:
                raise ValueError(f"{venue} base URL must be an http(s) URL, not {base_url!r}")
            self._limiters[venue] = None if rate_limit is None else RateLimiter(rate_limit)
            if signer is not None:
                self._signers[venue] = signer
                self._generated[venue] = package.Client(
                    base_url=base_url,
                    timeout=httpx.Timeout(self.timeout),
                    follow_redirects=False,
                    httpx_args={**httpx_args, "auth": signer},
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
        if url is None:
            if len(self._urls) >= 4096:
                self._urls.clear()
            url = self._urls[key] = self._client(venue).build_request(**arguments).url
        return {"method": arguments["method"], "url": url}

    def _coinswitch_plan(
        self, subaccount_ids: Iterable[object]
    ) -> tuple[list[Call[SubaccountBalance]], list[FetchError]]:
        """One call per distinct valid id, in order, and an error per id that is not valid."""
        ids = list(_iterable(subaccount_ids))
        if ids:
            self._require(Venue.COINSWITCH_DMA)
        calls: dict[int | None, Call[SubaccountBalance]] = {}
        errors = []
        for subaccount_id in ids:
            try:
                call = self._coinswitch_call(subaccount_id)
            except AdapterError as error:
                errors.append(FetchError(venue=Venue.COINSWITCH_DMA, subaccount=None, error=error))
            else:
                calls.setdefault(call.subaccount, call)
        return list(calls.values()), errors

    def _coinswitch_calls(self, subaccount_ids: Iterable[object]) -> list[Call[SubaccountBalance]]:
        calls, errors = self._coinswitch_plan(subaccount_ids)
        if errors:
            raise errors[0].error
        return calls

    def _plan(
        self, coinswitch_subaccounts: Iterable[object] | None
    ) -> tuple[list[Call[Any]], list[FetchError]]:
        """The calls of `all_balances`, and what failed before any request."""
        calls: list[Call[Any]] = []
        errors: list[FetchError] = []
        if Venue.KALSHI in self._signers:
            calls.append(self._kalshi_call())
        if coinswitch_subaccounts is not None:
            try:
                coinswitch_calls, errors = self._coinswitch_plan(coinswitch_subaccounts)
            except AdapterError as error:
                errors = [FetchError(venue=Venue.COINSWITCH_DMA, subaccount=None, error=error)]
            else:
                calls += coinswitch_calls
        return calls, errors

    def _slot_unavailable(self, call: Call[Any], deadline: Deadline) -> AdapterError:
        limiter = self._limiters[call.venue]
        rate = f"{limiter.per_second:g}/s" if limiter else "off"
        return call.error(
            VenueUnavailableError,
            f"the {deadline.seconds:g} s deadline would pass before the client-side rate limit"
            f" ({rate}) lets this request go; raise the timeout or the rate limit",
        )

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
        raise ValueError(f"{name} must be a positive number of {unit}, not {value!r}")


def _at_least(name: str, value: object, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")


def _iterable(ids: object) -> Iterable[object]:
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise BadRequestError(
            "CoinSwitch subaccount ids must be a list of integers", venue=Venue.COINSWITCH_DMA
        )
    return ids


def _subaccount_id(value: object) -> int:
    if type(value) is not int or value < 0:
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


def _first_failure(outcomes: list[Outcome[SubaccountBalance]]) -> list[SubaccountBalance]:
    for outcome in outcomes:
        if isinstance(outcome, AdapterError):
            raise outcome
    return outcomes  # type: ignore[return-value]  # no AdapterError left


class BalanceClient(_BalanceClientBase):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (blocking; thread-safe).

    Use as a context manager, or call `close()`, to release the connection pools.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = {venue: threading.BoundedSemaphore(self.max_in_flight) for venue in Venue}
        self._http: dict[Venue, httpx.Client] = {}
        self._http_lock = threading.Lock()
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
        """Close the connection pools; the client cannot be used afterwards."""
        with self._http_lock:
            self._closed = True
            for http in self._http.values():
                http.close()

    def kalshi_balances(self) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's balance (the primary is subaccount 0), in one request."""
        call = self._kalshi_call()
        return self._fetch(call, Deadline(self.timeout))

    def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA subaccount's balance."""
        call = self._coinswitch_call(subaccount_id)
        return self._fetch(call, Deadline(self.timeout))

    def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """Balances of these CoinSwitch DMA subaccounts, fetched concurrently, in the order
        given (each id once); if any fails, the first failure in that order is raised."""
        calls = self._coinswitch_calls(subaccount_ids)
        return _first_failure(self._fan_out(calls, Deadline(self.timeout)))

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
        with self._http_lock:
            if self._closed:
                raise RuntimeError(f"{type(self).__name__} is closed")
            if venue not in self._http:
                self._http[venue] = self._generated[venue].get_httpx_client()
            return self._http[venue]

    def _fetch(self, call: Call[T], deadline: Deadline) -> T:
        http = self._client(call.venue)
        limiter = self._limiters[call.venue]
        in_flight = self._in_flight[call.venue]

        def attempt() -> T:
            if deadline.expired():
                raise self._deadline_passed(call, deadline)
            with in_flight:
                if limiter is not None:
                    wait = limiter.reserve(deadline.seconds_left())
                    if wait is None:
                        raise self._slot_unavailable(call, deadline)
                    time.sleep(wait)
                return receive(http, call, deadline)

        return self._policy.call(deadline, attempt)

    def _outcome(self, call: Call[T], deadline: Deadline) -> Outcome[T]:
        try:
            return self._fetch(call, deadline)
        except AdapterError as error:
            return error

    def _fan_out(
        self, calls: list[Call[Any]], deadline: Deadline, progress: Progress | None = None
    ) -> list[Any]:
        counter = _Counter(len(calls), progress)
        if len(calls) <= 1:
            return [counter.done(self._outcome(call, deadline)) for call in calls]
        for venue in {call.venue for call in calls}:
            self._client(venue)  # build pools here, not racing in the workers
        workers = min(len(calls), self.max_in_flight + 1)
        pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="venue-balances")
        try:
            futures = [
                pool.submit(lambda call: counter.done(self._outcome(call, deadline)), call)
                for call in calls
            ]
            concurrent.futures.wait(futures, timeout=deadline.seconds_left())
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return [
            future.result()
            if future.done() and not future.cancelled()
            else self._deadline_passed(call, deadline)
            for call, future in zip(calls, futures, strict=True)
        ]


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
        """Balances of these CoinSwitch DMA subaccounts, fetched concurrently, in the order
        given (each id once); if any fails, the first failure in that order is raised."""
        calls = self._coinswitch_calls(subaccount_ids)
        return _first_failure(await self._fan_out(calls, Deadline(self.timeout)))

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
        limiter = self._limiters[call.venue]
        in_flight = self._in_flight[call.venue]

        async def attempt() -> T:
            async with in_flight:
                if limiter is not None:
                    wait = limiter.reserve(deadline.seconds_left())
                    if wait is None:
                        raise self._slot_unavailable(call, deadline)
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

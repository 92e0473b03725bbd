"""The balance clients' venue-free core: options checked, accounts built, plans run.

`adapter.BalanceClient` and `adapter.AsyncBalanceClient` are this core plus each venue's
public methods (`adapter/venues/<venue>/methods.py`), put together in `adapter.client`,
which also builds them from configuration. Every public call gets one `Deadline`
(`timeout`) covering rate-limiter waits, attempts and backoff.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeAlias, TypeVar

import httpx

from adapter.domain import BalanceReport, FetchError, Venue
from adapter.engine.account import AccountSettings, AsyncAccount, Options, SyncAccount
from adapter.engine.call import Gathered, Plan
from adapter.engine.deadline import Deadline
from adapter.engine.fanout import (
    Progress,
    Tally,
    run_plan,
    run_plan_async,
    run_plans,
    run_plans_async,
)
from adapter.engine.inflight import AsyncFairSlots, FairSlots
from adapter.engine.retry import RetryPolicy
from adapter.errors import AdapterError, ConfigurationError, CredentialsError

__all__ = ["AsyncClient", "Job", "SyncClient", "check_positive", "check_rate_limit", "names"]

T = TypeVar("T")
AccountT = TypeVar("AccountT", SyncAccount, AsyncAccount)

DEFAULT_TIMEOUT = 10.0  # seconds

Job: TypeAlias = tuple[str, Plan[Gathered]]
"""One account's part of a report: its name and its plan."""


class _Core(Generic[AccountT]):
    """What the sync and async clients share: options, accounts, reports."""

    _account_type: type[AccountT]
    _slots_type: type[FairSlots] | type[AsyncFairSlots]

    def __init__(
        self,
        accounts: Sequence[AccountSettings],
        unconfigured: Mapping[Venue, str],
        *,
        timeout: float,
        max_retries: int,
        max_in_flight: int,
        retry_base_delay: float,
        retry_max_delay: float,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    ) -> None:
        for name, value in (
            ("timeout", timeout),
            ("retry_base_delay", retry_base_delay),
            ("retry_max_delay", retry_max_delay),
        ):
            check_positive(name, value, "seconds")
        _at_least("max_retries", max_retries, 0)
        _at_least("max_in_flight", max_in_flight, 1)
        if not accounts:
            how = "; or ".join(unconfigured.values())
            raise ConfigurationError(f"no venue is configured: {how}")
        self.timeout = float(timeout)
        self.max_in_flight = max_in_flight
        options = Options(
            timeout=self.timeout,
            policy=RetryPolicy(max_retries, retry_base_delay, retry_max_delay),
            max_in_flight=max_in_flight,
            transport=transport,
        )
        slots = self._slots_type(max_in_flight)  # shared by the accounts, round robin
        self._accounts: dict[str, AccountT] = {
            s.name: self._account_type(s, options, slots)  # type: ignore[arg-type]
            for s in accounts
        }
        self._unconfigured = dict(unconfigured)
        """How to configure each venue, for the error when one is not."""
        self._closed = False

    @property
    def accounts(self) -> tuple[str, ...]:
        """The configured accounts' names, in the order given."""
        return tuple(self._accounts)

    @property
    def venues(self) -> tuple[Venue, ...]:
        """The venues of the configured accounts."""
        return tuple(dict.fromkeys(account.venue for account in self._accounts.values()))

    def __repr__(self) -> str:
        accounts = ", ".join(f"{name}={a.settings.signer!r}" for name, a in self._accounts.items())
        return f"{type(self).__name__}({accounts}, timeout={self.timeout:g})"

    def _open(self) -> None:
        """A call begun after close() is refused (calls racing it end as
        VenueUnavailableError inside the engine)."""
        if self._closed:
            raise AdapterError("the client is closed; create a new one")

    def _account(self, venue: Venue, name: str | None) -> AccountT:
        """The account a venue method reads: the one named, which must be of that venue,
        or the venue's only account."""
        if name is None:
            mine = [a for a in self._accounts.values() if a.venue == venue]
            if not mine:
                how = self._unconfigured.get(venue, "")
                raise CredentialsError(f"{venue} is not configured: {how}", venue=venue)
            if len(mine) > 1:
                raise ConfigurationError(
                    f"{len(mine)} {venue} accounts are configured ({names(mine)}):"
                    " say which with account=",
                    venue=venue,
                )
            return mine[0]
        account = self._named(name)
        if account.venue != venue:
            raise ConfigurationError(
                f"account {name!r} is a {account.venue} account, not a {venue} one", venue=venue
            )
        return account

    def _named(self, name: object) -> AccountT:
        account = self._accounts.get(name) if isinstance(name, str) else None
        if account is None:
            raise ConfigurationError(
                f"no account is named {str(name)[:64]!r}; the configured accounts are"
                f" {names(self._accounts.values())}"
            )
        return account

    def _chosen(self, chosen: Iterable[str] | None) -> list[AccountT]:
        """The accounts `all_balances(accounts=...)` reads, in the configured order:
        every one by default; ConfigurationError for a name not configured."""
        if chosen is None:
            return list(self._accounts.values())
        if isinstance(chosen, str):
            raise ConfigurationError("accounts must be a list of account names, not one string")
        wanted = {self._named(name).name for name in chosen}
        return [account for name, account in self._accounts.items() if name in wanted]


def names(accounts: Iterable[Any]) -> str:
    """Accounts' names for a message: `us-desk, us-fund`."""
    return ", ".join(account.name for account in accounts) or "none"


def _report(
    jobs: Sequence[tuple[Any, Plan[Gathered]]],
    outcomes: Sequence[Gathered | AdapterError],
    errors: list[FetchError],
    started: datetime,
) -> BalanceReport:
    balances = []
    for (account, _), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, AdapterError):
            errors.append(
                FetchError(
                    venue=account.venue,
                    account=account.name,
                    subaccount=outcome.subaccount,
                    error=outcome,
                )
            )
        else:
            balances.extend(outcome.balances)
            errors.extend(outcome.errors)
    return BalanceReport(balances=balances, errors=errors, fetched_at=started)


class SyncClient(_Core[SyncAccount]):
    """The blocking client's core: thread-safe.

    Every socket read and write ends by the call's deadline, so no server, however slowly
    it trickles bytes, holds a call past `timeout`; fan-outs run on each account's worker
    threads, which the caller stops waiting for at the deadline. Use as a context manager,
    or call `close()`, to release the connection pools and the workers.
    """

    _account_type = SyncAccount
    _slots_type = FairSlots

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
        """Close the connection pools and workers; calls racing it end as
        VenueUnavailableError, and later calls raise AdapterError."""
        self._closed = True
        for account in self._accounts.values():
            account.close()

    def _run(self, account: SyncAccount, plan: Plan[T]) -> T:
        self._open()
        return run_plan(account, plan, Deadline(self.timeout), Tally(None))

    def _report(
        self, jobs: Sequence[Job], errors: list[FetchError], progress: Progress | None
    ) -> BalanceReport:
        self._open()
        started = datetime.now(UTC)
        deadline = Deadline(self.timeout)
        runnable = [(self._accounts[name], plan) for name, plan in jobs]
        outcomes = run_plans(runnable, deadline, Tally(progress))
        return _report(runnable, outcomes, errors, started)


class AsyncClient(_Core[AsyncAccount]):
    """The async client's core. Use with `async with`, or await `aclose()`, to release
    the connection pools. Like an `httpx.AsyncClient`, one instance belongs to one event
    loop."""

    _account_type = AsyncAccount
    _slots_type = AsyncFairSlots

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
        """Close the connection pools; later calls raise AdapterError."""
        self._closed = True
        for account in self._accounts.values():
            await account.aclose()

    async def _run(self, account: AsyncAccount, plan: Plan[T]) -> T:
        self._open()
        return await run_plan_async(account, plan, Deadline(self.timeout), Tally(None))

    async def _report(
        self, jobs: Sequence[Job], errors: list[FetchError], progress: Progress | None
    ) -> BalanceReport:
        self._open()
        started = datetime.now(UTC)
        deadline = Deadline(self.timeout)
        runnable = [(self._accounts[name], plan) for name, plan in jobs]
        outcomes = await run_plans_async(runnable, deadline, Tally(progress))
        return _report(runnable, outcomes, errors, started)


MAX_SECONDS = 86400.0
"""The longest timeout or retry delay taken: a day (longer ones overflow thread waits)."""


def check_positive(name: str, value: object, unit: str) -> None:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not value > 0
        or math.isinf(value)
    ):
        raise ConfigurationError(f"{name} must be a positive number of {unit}, not {value!r}")
    if unit == "seconds" and value > MAX_SECONDS:
        raise ConfigurationError(f"{name} must be at most {MAX_SECONDS:g} seconds, not {value!r}")


def check_rate_limit(name: str, value: object) -> None:
    if value is not None:
        check_positive(name, value, "requests per second (or None for no limit)")


def _at_least(name: str, value: object, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, not {value!r}")

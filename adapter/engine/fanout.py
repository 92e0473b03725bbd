"""Carrying out plans: batches of calls at once, plans of several accounts side by side.

Sync and async twins, each pair side by side. A batch's calls are taken in the order given
by at most `max_in_flight` workers of its account, whatever its size (the blocking twin
also hands out turns, `account.Turns`, so that slots are claimed in that order; the async
twin's tasks claim them as they take the calls), so a batch cut short by its deadline
loses only its last calls, and a batch of 10^5 calls costs no more to stop than one of 10.
Accounts share the client's in-flight slots round robin (`inflight`). A batch of one runs
on the caller's thread: no thread hop for a single call.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

from adapter.engine.account import AsyncAccount, SyncAccount, Turns
from adapter.engine.call import Call, Outcome, Plan
from adapter.engine.deadline import Deadline
from adapter.errors import AdapterError, VenueUnavailableError

__all__ = [
    "Progress",
    "Tally",
    "run_batch",
    "run_batch_async",
    "run_plan",
    "run_plan_async",
    "run_plans",
    "run_plans_async",
]

T = TypeVar("T")
Progress: TypeAlias = Callable[[int, int], None]
"""`progress(done, total)`: requests finished so far, of those planned so far."""

# A plan of one account driven on its own thread returns soon after its own calls end at
# the deadline (its batches stop waiting then, `run_batch`), with what it fetched; it is
# waited for this much longer before being reported as late, its results lost.
PLAN_GRACE = 0.5  # seconds


class Tally:
    """Counts planned and finished calls for a progress callback (thread-safe)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._total = 0
        self._done = 0
        self._lock = threading.Lock()

    def planned(self, count: int) -> None:
        with self._lock:
            self._total += count

    def finished(self, outcome: T) -> T:
        if self._progress is not None:
            with self._lock:
                self._done += 1
                self._progress(self._done, self._total)
        return outcome


def run_batch(
    account: SyncAccount, calls: Sequence[Call[Any]], deadline: Deadline, tally: Tally
) -> list[Outcome[Any]]:
    """Every call's outcome, in order; calls not answered by the deadline end as
    VenueUnavailableError.

    At most `max_in_flight` of the account's workers take the calls one after another in
    the order given (`_Batch`), so however many calls there are, nothing is queued per
    call: the caller stops waiting at the deadline, and what was not sent by then ends as
    one shared error.
    """
    if len(calls) <= 1:
        return [tally.finished(account.outcome(call, deadline)) for call in calls]
    batch = _Batch(account, calls, deadline, tally)
    workers = []
    for _ in range(min(len(calls), account.options.max_in_flight)):
        try:
            workers.append(account.submit(calls[0], batch.drain))
        except (AdapterError, RuntimeError):  # closed meanwhile (RuntimeError: its pool)
            break
    concurrent.futures.wait(workers, timeout=deadline.seconds_left())
    return batch.collect()


class _Batch:
    """The calls of one sync batch, taken in order by the account's workers, and their
    outcomes as they come."""

    def __init__(
        self, account: SyncAccount, calls: Sequence[Call[Any]], deadline: Deadline, tally: Tally
    ) -> None:
        self._account = account
        self._calls = calls
        self._deadline = deadline
        self._tally = tally
        self._turns = Turns()
        self._lock = threading.Lock()
        self._next = 0
        self._outcomes: list[Outcome[Any] | None] = [None] * len(calls)
        self._over = False

    def drain(self) -> None:
        """A worker: the next call not taken yet, until none is left (or the batch is over)."""
        account, calls, deadline = self._account, self._calls, self._deadline
        while True:
            with self._lock:
                turn = self._next
                if self._over or turn >= len(calls) or deadline.expired() or account.closed:
                    return
                self._next = turn + 1
            outcome = self._tally.finished(
                account.outcome(calls[turn], deadline, self._turns, turn)
            )
            with self._lock:
                if not self._over:
                    self._outcomes[turn] = outcome

    def collect(self) -> list[Outcome[Any]]:
        """The outcomes, in order, once the caller waits no longer: a call still in flight
        or never taken ends as the deadline's (or close()'s) error; one error stands for
        all those never sent."""
        with self._lock:
            self._over = True
            outcomes, taken = self._outcomes, self._next
        account, calls, deadline = self._account, self._calls, self._deadline
        unsent: AdapterError | None = None
        for turn, outcome in enumerate(outcomes):
            if outcome is not None:
                continue
            if turn >= taken and not account.closed:  # never sent: one error for them all
                if unsent is None:
                    unsent = _never_sent(calls[turn], deadline, len(calls) - taken)
                outcomes[turn] = unsent
            elif account.closed:
                outcomes[turn] = calls[turn].error(
                    VenueUnavailableError, "the client was closed during the call"
                )
            else:
                outcomes[turn] = account.deadline_passed(calls[turn], deadline)
        return outcomes  # every None replaced above


def _never_sent(call: Call[Any], deadline: Deadline, count: int) -> AdapterError:
    """The one error of a batch's calls never sent by the deadline: creating one per call
    would cost a whole master's worth of objects past the deadline."""
    error = call.error(
        VenueUnavailableError,
        f"not sent: the {deadline.seconds:g} s deadline passed first"
        f" ({count:,} requests of this batch were never sent)",
    )
    error.subaccount = None  # it stands for many
    return error


async def run_batch_async(
    account: AsyncAccount, calls: Sequence[Call[Any]], deadline: Deadline, tally: Tally
) -> list[Outcome[Any]]:
    """`run_batch` for the async client: every call's outcome, in order, taken by at most
    `max_in_flight` tasks (never a task per call: a whole master's worth of waiting tasks
    costs quadratic time to cancel at the deadline)."""
    outcomes: list[Outcome[Any] | None] = [None] * len(calls)
    taken = 0

    async def drain() -> None:
        nonlocal taken
        while taken < len(calls) and not deadline.expired():
            turn = taken
            taken += 1
            outcomes[turn] = tally.finished(await account.outcome(calls[turn], deadline))

    import asyncio  # only the async client's twins need it

    workers = min(len(calls), account.options.max_in_flight)
    await asyncio.gather(*(drain() for _ in range(workers)))
    unsent: AdapterError | None = None
    for turn in range(taken, len(calls)):
        if unsent is None:
            unsent = _never_sent(calls[turn], deadline, len(calls) - taken)
        outcomes[turn] = unsent
    return outcomes  # every None replaced above


def run_plan(account: SyncAccount, plan: Plan[T], deadline: Deadline, tally: Tally) -> T:
    """Carry out a plan of this account, batch after batch; what it returns or raises."""
    return _drive(account, _Started(plan, tally), deadline, tally)


async def run_plan_async(
    account: AsyncAccount, plan: Plan[T], deadline: Deadline, tally: Tally
) -> T:
    """`run_plan` for the async client."""
    return await _drive_async(account, _Started(plan, tally), deadline, tally)


class _Started(Generic[T]):
    """A plan asked for its first batch (counted as planned), or already finished."""

    def __init__(self, plan: Plan[T], tally: Tally) -> None:
        self.plan = plan
        self.batch: Sequence[Call[Any]] = []
        self.finished = False
        self.error: AdapterError | None = None
        try:
            self.batch = next(plan)
        except StopIteration as stop:
            self.finished, self.result = True, stop.value
        except AdapterError as error:
            self.finished, self.error = True, error
        tally.planned(len(self.batch))

    def done(self) -> T:
        if self.error is not None:
            raise self.error
        result: T = self.result
        return result


def _drive(account: SyncAccount, started: _Started[T], deadline: Deadline, tally: Tally) -> T:
    if started.finished:
        return started.done()
    plan, batch = started.plan, started.batch
    try:
        while True:
            batch = plan.send(run_batch(account, batch, deadline, tally))
            tally.planned(len(batch))
    except StopIteration as stop:
        result: T = stop.value
        return result


async def _drive_async(
    account: AsyncAccount, started: _Started[T], deadline: Deadline, tally: Tally
) -> T:
    if started.finished:
        return started.done()
    plan, batch = started.plan, started.batch
    try:
        while True:
            batch = plan.send(await run_batch_async(account, batch, deadline, tally))
            tally.planned(len(batch))
    except StopIteration as stop:
        result: T = stop.value
        return result


def run_plans(
    jobs: Sequence[tuple[SyncAccount, Plan[Any]]], deadline: Deadline, tally: Tally
) -> list[Outcome[Any]]:
    """Plans of several accounts side by side (one thread each); each one's result, or
    the AdapterError it raised, in the order given."""

    def outcome(account: SyncAccount, started: _Started[Any]) -> Outcome[Any]:
        try:
            return _drive(account, started, deadline, tally)
        except AdapterError as error:
            return error

    # Every plan's first batch is counted before any call runs, so progress has its total.
    begun = [(account, _Started(plan, tally)) for account, plan in jobs]
    if len(begun) <= 1:
        return [outcome(account, started) for account, started in begun]
    futures = [_in_thread(outcome, account, started) for account, started in begun]
    concurrent.futures.wait(futures, timeout=deadline.seconds_left() + PLAN_GRACE)
    results: list[Outcome[Any]] = []
    for (account, _), future in zip(jobs, futures, strict=True):
        if future.done():
            results.append(future.result())
        else:
            results.append(
                VenueUnavailableError(
                    f"no answer within the {deadline.seconds:g} s deadline",
                    account=account.name,
                    venue=account.venue,
                )
            )
    return results


async def run_plans_async(
    jobs: Sequence[tuple[AsyncAccount, Plan[Any]]], deadline: Deadline, tally: Tally
) -> list[Outcome[Any]]:
    """`run_plans` for the async client."""

    async def outcome(account: AsyncAccount, started: _Started[Any]) -> Outcome[Any]:
        try:
            return await _drive_async(account, started, deadline, tally)
        except AdapterError as error:
            return error

    import asyncio

    begun = [(account, _Started(plan, tally)) for account, plan in jobs]
    return list(await asyncio.gather(*(outcome(account, started) for account, started in begun)))


def _done(value: object) -> concurrent.futures.Future[Any]:
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    future.set_result(value)
    return future


def _in_thread(function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # handed to the caller, who re-raises it
            future.set_exception(exc)

    threading.Thread(target=run, name="venue-balances-plan", daemon=True).start()
    return future

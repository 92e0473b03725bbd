"""Carrying out plans: batches of calls at once, plans of several accounts side by side.

Sync and async twins, each pair side by side. A batch's calls leave in the order given
(the blocking twin hands out turns, `account.Turns`; the async twin relies on
`asyncio.Semaphore` waking its waiters in order), so a batch cut short by its deadline
loses only its last calls. A batch of one runs on the caller's thread: no thread hop for
a single call.
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

# A plan of one account driven on its own thread returns moments after its own calls end
# at the deadline; wait that much longer for it before reporting it as late.
PLAN_GRACE = 0.1  # seconds


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
    VenueUnavailableError."""
    if len(calls) <= 1:
        return [tally.finished(account.outcome(call, deadline)) for call in calls]
    turns = Turns()
    futures = []
    for turn, call in enumerate(calls):
        try:
            future = account.submit(
                call,
                lambda call, turn: tally.finished(account.outcome(call, deadline, turns, turn)),
                call,
                turn,
            )
        except AdapterError as error:  # closed before this call was handed out
            future = _done(tally.finished(error))
        except RuntimeError as exc:  # the pool was shut down by close() meanwhile
            closed = call.error(VenueUnavailableError, f"the client was closed: {exc}")
            future = _done(tally.finished(closed))
        futures.append(future)
    concurrent.futures.wait(futures, timeout=deadline.seconds_left())
    outcomes: list[Outcome[Any]] = []
    for call, future in zip(calls, futures, strict=True):
        if future.done() and not future.cancelled():
            outcomes.append(future.result())
        elif account.closed:
            future.cancel()
            outcomes.append(
                call.error(VenueUnavailableError, "the client was closed during the call")
            )
        else:
            future.cancel()
            outcomes.append(account.deadline_passed(call, deadline))
    return outcomes


async def run_batch_async(
    account: AsyncAccount, calls: Sequence[Call[Any]], deadline: Deadline, tally: Tally
) -> list[Outcome[Any]]:
    """`run_batch` for the async client: every call's outcome, in order."""

    async def one(call: Call[Any]) -> Outcome[Any]:
        return tally.finished(await account.outcome(call, deadline))

    import asyncio  # only the async client's twins need it

    return list(await asyncio.gather(*(one(call) for call in calls)))


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
        self.batch: list[Call[Any]] = []
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
                    f"no answer within the {deadline.seconds:g} s deadline", venue=account.venue
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

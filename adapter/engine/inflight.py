"""A client's in-flight bound, shared fairly by its accounts.

At most `max_in_flight` requests of one client are in flight at once, whichever accounts
send them. When one ends, its slot goes to the next account in turn that has a request
waiting (round robin), so one account's long fan-out (a whole master read one child at a
time) never starves another account's requests; within one account, waiting requests get
slots in the order they asked.

`FairSlots` serves threads (the blocking client), `AsyncFairSlots` one event loop. A waiter
that gives up (its deadline, a cancellation) leaves its queue: queues are short, since each
account's fan-out asks from at most `max_in_flight` workers at a time (`fanout`).
"""

from __future__ import annotations

import collections
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncFairSlots", "FairSlots"]


class _Ring:
    """Waiters queued per account, and the accounts with waiters in turn order."""

    def __init__(self) -> None:
        self.queues: dict[str, collections.deque[Any]] = {}
        self.turns: collections.deque[str] = collections.deque()

    def add(self, key: str, waiter: Any) -> None:
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = collections.deque()
            self.turns.append(key)
        queue.append(waiter)

    def next(self) -> Any:
        """The first waiter of the account whose turn it is (None: nobody waits); that
        account, if it has more waiting, goes to the back of the line."""
        while self.turns:
            key = self.turns.popleft()
            queue = self.queues[key]
            waiter = queue.popleft()
            if queue:
                self.turns.append(key)
            else:
                del self.queues[key]
            return waiter
        return None

    def remove(self, key: str, waiter: Any) -> None:
        queue = self.queues.get(key)
        if queue is None or waiter not in queue:
            return
        queue.remove(waiter)
        if not queue:
            del self.queues[key]
            self.turns.remove(key)


class _Waiter:
    __slots__ = ("granted", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.granted = False


class FairSlots:
    """`size` slots for threads, handed out round robin across accounts."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._lock = threading.Lock()
        self._ring = _Ring()

    def acquire(self, key: str, timeout: float) -> bool:  # seconds
        """Take a slot for account `key`, waiting at most `timeout`; False if none came."""
        with self._lock:
            if self._free and not self._ring.turns:
                self._free -= 1
                return True
            waiter = _Waiter()
            self._ring.add(key, waiter)
        if waiter.lock.acquire(timeout=max(0.0, timeout)):
            return True
        with self._lock:
            if waiter.granted:  # handed over just as the wait ended: it is ours
                return True
            self._ring.remove(key, waiter)
            return False

    def release(self) -> None:
        with self._lock:
            waiter = self._ring.next()
            if waiter is None:
                self._free += 1
                return
            waiter.granted = True
            waiter.lock.release()


class AsyncFairSlots:
    """`size` slots for the tasks of one event loop, handed out round robin across accounts."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._ring = _Ring()

    async def acquire(self, key: str) -> None:
        """Take a slot for account `key` (cancel the task to give up waiting)."""
        if self._free and not self._ring.turns:
            self._free -= 1
            return
        import asyncio

        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ring.add(key, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over, then cancelled before it could be used
            else:
                self._ring.remove(key, waiter)
            raise

    def release(self) -> None:
        while True:
            waiter = self._ring.next()
            if waiter is None:
                self._free += 1
                return
            if not waiter.done():
                waiter.set_result(None)
                return

"""A client-side rate limiter shared by every thread and task of one client and venue."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Spaces requests at least 1/rate seconds apart (no bursts), across threads and tasks.

    Callers claim the next free send slot and then sleep until it, in whatever way suits
    them (`time.sleep` or `asyncio.sleep`); the lock is held only to claim.
    """

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not per_second > 0 or math.isinf(per_second):
            raise ValueError(f"a rate limit must be a positive number per second, not {per_second}")
        self.per_second = per_second
        self._interval = 1.0 / per_second
        self._next = -math.inf
        self._clock = clock
        self._lock = threading.Lock()

    def reserve(self, max_delay: float) -> float | None:
        """Claim the next slot: seconds to wait for it, or None (nothing claimed) past max_delay."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            wait = slot - now
            if wait > max_delay:
                return None
            self._next = slot + self._interval
            return wait

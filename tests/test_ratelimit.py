"""The rate limiter's slots, on a fake clock."""

from __future__ import annotations

import threading

import pytest

from adapter.engine.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_spaces_slots_exactly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20.0, clock=clock)
    waits = [limiter.reserve(max_delay=10.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.05, 0.10, 0.15, 0.20])
    clock.now += 1.0  # idle for a second: no credit is saved up, no burst follows
    assert limiter.reserve(max_delay=10.0) == 0.0
    assert limiter.reserve(max_delay=10.0) == pytest.approx(0.05)


def test_rate_limiter_refuses_a_wait_past_the_budget_and_claims_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock)
    assert limiter.reserve(max_delay=1.0) == 0.0
    assert limiter.reserve(max_delay=1.0) == pytest.approx(0.5)
    assert limiter.reserve(max_delay=0.9) is None  # would be 1.0 s
    assert limiter.reserve(max_delay=1.0) == pytest.approx(1.0)  # the refused slot is free


def test_rate_limiter_is_shared_safely_by_threads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1000.0, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def claim() -> None:
        for _ in range(250):
            wait = limiter.reserve(max_delay=100.0)
            assert wait is not None
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(w * 1000) for w in waits) == list(range(1000))  # no slot given twice


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_rate_limiter_needs_a_positive_rate(rate: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate)

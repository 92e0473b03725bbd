"""The rate limiter: its slots on a fake clock, and how it spaces a client's requests."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from adapter.engine.ratelimit import RateLimiter
from tests.fake_venues import FakeVenues, cs_body, kalshi_row


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


KALSHI_BODY = {"subaccount_balances": [kalshi_row(0, "1500.2500"), kalshi_row(1, "0.5600")]}


def test_rate_limit_spaces_requests(make_client: Any, venues: FakeVenues) -> None:
    stamps: list[float] = []

    def stamp(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return httpx.Response(200, json=cs_body(int(request.url.params["subaccount_id"])))

    venues.coinswitch.update(dict.fromkeys(range(8), stamp))
    with make_client(coinswitch_rate_limit=50.0) as client:
        client.coinswitch_balances(range(8))
    # Slots are 1/50 s apart (exactly so on a fake clock: test_ratelimit.py); here the
    # handler's clock also sees scheduling jitter, so check the span, not each gap.
    stamps.sort()
    assert stamps[-1] - stamps[0] >= 7 * 0.02 * 0.9


def test_rate_limit_wait_past_the_deadline_fails_fast(make_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = KALSHI_BODY
    venues.coinswitch.update({n: cs_body(n) for n in range(5)})
    with make_client(coinswitch_rate_limit=2.0, timeout=1.2) as client:
        report = client.all_balances(range(5))
    coinswitch = [b for b in report.balances if b.venue == "coinswitch_dma"]
    assert len(coinswitch) == 3  # sent at t = 0, 0.5 and 1.0 s
    assert len(report.errors) == 2
    assert all("rate limit (2/s)" in e.error.message for e in report.errors)
    assert len(venues.requests) == 1 + 3

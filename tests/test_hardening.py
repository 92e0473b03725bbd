"""Issue "Hardening": what an independent hostile HTTP server found, each case through the
public API (sync and async) against the sandbox over real HTTP, with the typed error or the
exact value it must give, and the time it may take."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from conftest import tally

import adapter
import adapter.transport
from adapter.sandbox import Fault, Sandbox

T = TypeVar("T")
SLACK = 0.25  # seconds a call may end past its deadline


def both_ways(
    sandbox: Sandbox,
    sync: Callable[[adapter.BalanceClient], T],
    asynchronous: Callable[[adapter.AsyncBalanceClient], Awaitable[T]],
    **options: Any,
) -> list[tuple[T | BaseException, float]]:
    """The outcome (value or exception) and seconds taken of one call with a fresh sync
    client, then one with a fresh async client; faults must be injected for both."""
    outcomes: list[tuple[T | BaseException, float]] = []
    with sandbox.client(**options) as client:
        started = time.perf_counter()
        try:
            outcome: T | BaseException = sync(client)
        except BaseException as exc:  # the point of these tests
            outcome = exc
        outcomes.append((outcome, time.perf_counter() - started))

    async def main() -> None:
        async with sandbox.async_client(**options) as client:
            started = time.perf_counter()
            try:
                outcome: T | BaseException = await asynchronous(client)
            except BaseException as exc:
                outcome = exc
            outcomes.append((outcome, time.perf_counter() - started))

    asyncio.run(main())
    return outcomes


def kalshi_both_ways(sandbox: Sandbox, fault: Fault, times: int = 1, **options: Any) -> list[Any]:
    """`kalshi_balances()` sync and async, each answered by `fault` the first `times` times."""
    sandbox.inject("kalshi", fault, times=2 * times)
    return both_ways(
        sandbox, lambda c: c.kalshi_balances(), lambda c: c.kalshi_balances(), **options
    )


# 1. Retry-After with a field no calendar holds -----------------------------------------

HUGE = "9" * 20
HUGE_DATES = {
    "year": f"Mon, 01 Jan {HUGE} 00:00:00 GMT",
    "hour": f"Mon, 01 Jan 2030 {HUGE}:00:00 GMT",
    "zone": f"Mon, 01 Jan 2030 00:00:00 +{HUGE}",
    "negative-zone": f"Mon, 01 Jan 2030 00:00:00 -{HUGE}",
}
STATUS_ERRORS = {
    429: adapter.RateLimitedError,
    503: adapter.VenueUnavailableError,
    404: adapter.NotFoundError,
}


@pytest.mark.parametrize("status", sorted(STATUS_ERRORS))
@pytest.mark.parametrize("field", sorted(HUGE_DATES))
def test_retry_after_with_a_huge_date_field_is_ignored(
    sandbox: Sandbox, status: int, field: str
) -> None:
    fault = Fault(status=status, headers=(("Retry-After", HUGE_DATES[field]),))
    for outcome, _ in kalshi_both_ways(sandbox, fault, max_retries=0):
        assert type(outcome) is STATUS_ERRORS[status], repr(outcome)
        assert isinstance(outcome, adapter.AdapterError)
        assert outcome.status == status
        assert outcome.retry_after is None  # unusable, so as if absent
        tally("hardening cases tried")


def test_retried_429_with_a_huge_retry_after_date_ends_in_time(sandbox: Sandbox) -> None:
    fault = Fault(status=429, headers=(("Retry-After", HUGE_DATES["year"]),))
    options = {"timeout": 1.0, "max_retries": 1, "retry_base_delay": 0.01}
    for outcome, seconds in kalshi_both_ways(sandbox, fault, times=2, **options):
        assert type(outcome) is adapter.RateLimitedError, repr(outcome)
        assert seconds <= 1.0 + SLACK
    assert sandbox.requests == 4
    tally("hardening cases tried")


# 2. A million-digit balance in two shard rows ------------------------------------------


def shard_rows(*balances: str) -> bytes:
    rows = [
        {"subaccount_number": 0, "balance": b, "updated_ts": 1763751540, "exchange_index": i}
        for i, b in enumerate(balances)
    ]
    body = json.dumps({"subaccount_balances": rows}).encode()
    assert len(body) < adapter.transport.MAX_BODY_BYTES
    return body


@pytest.mark.parametrize(
    ("shards", "total"),
    [
        (["1" * 1_000_001, "0.5"], "1" * 1_000_001 + ".5"),
        (["-" + "9" * 1_000_001, "1"], "-" + "9" * 1_000_000 + "8"),
        (["1", "0." + "0" * 999_999 + "1"], "1." + "0" * 999_999 + "1"),
    ],
    ids=["million-integer-digits", "million-nines-negative", "million-fraction-digits"],
)
def test_shards_with_a_million_digits_sum_exactly(
    sandbox: Sandbox, shards: list[str], total: str
) -> None:
    fault = Fault(body=shard_rows(*shards))
    for outcome, seconds in kalshi_both_ways(sandbox, fault, timeout=2.0):
        assert isinstance(outcome, list), repr(outcome)[:200]
        [balance] = outcome
        assert balance.balance == Decimal(total)
        assert balance.balance.as_tuple() == Decimal(total).as_tuple()
        assert seconds <= 2.0 + SLACK
        tally("hardening cases tried")


# 3. One object of 100,000 keys whose last key repeats ----------------------------------


def many_keys(count: int) -> bytes:
    """An object of `count` keys, the last repeating the one before it (under 1 MiB)."""
    keys = [str(number) for number in range(count - 1)] + [str(count - 2)]
    body = ("{" + ",".join(f'"{key}":0' for key in keys) + "}").encode()
    assert len(body) < adapter.transport.MAX_BODY_BYTES
    return body


def test_duplicate_key_among_100000_is_found_in_linear_time(sandbox: Sandbox) -> None:
    fault = Fault(body=many_keys(100_000))
    for outcome, seconds in kalshi_both_ways(sandbox, fault, timeout=1.0):
        assert type(outcome) is adapter.MalformedResponseError, repr(outcome)
        assert "duplicate key '99998'" in outcome.message
        assert seconds <= 1.0 + SLACK
        tally("hardening cases tried")

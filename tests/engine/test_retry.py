"""Retries: Retry-After honoured, capped and read in every form, backoff taken, and every
attempt signed afresh."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import httpx
import pytest

import adapter
from adapter import errors as E
from adapter.engine import retry
from adapter.sandbox import Fault, Sandbox
from tests.fake_venues import FakeVenues, cs_body, json_response
from tests.reliability import tally


def test_retry_after_is_honoured(make_client: Any, venues: FakeVenues) -> None:
    calls = []

    def busy_then_ok(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(503, json={"message": "busy"}, headers={"Retry-After": "0"})
        return json_response(200, cs_body(1001))(request)

    venues.coinswitch[1001] = busy_then_ok
    with make_client() as client:
        assert client.coinswitch_balance(1001).subaccount == 1001
    assert len(calls) == 2


def test_retry_after_longer_than_the_deadline_gives_up_at_once(
    make_client: Any, venues: FakeVenues
) -> None:
    venues.coinswitch[1001] = json_response(429, {"message": "slow down"}, **{"Retry-After": "30"})
    with make_client(timeout=2) as client, pytest.raises(E.RateLimitedError) as caught:
        client.coinswitch_balance(1001)
    assert caught.value.retry_after == 30
    assert len(venues.requests) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5),
        (" 7 ", 7),
        ("0", 0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),  # in the past: no wait
        ("1.5", None),
        ("soon", None),
        ("", None),
        ("\u0665", None),  # a digit, but not an ASCII one
    ],
)
def test_retry_after_forms(header: str, seconds: float | None) -> None:
    from adapter.engine.attempt import retry_after_seconds

    assert retry_after_seconds(header) == seconds


def test_retry_after_http_date_in_the_future() -> None:
    import time
    from email.utils import formatdate

    from adapter.engine.attempt import retry_after_seconds

    wait = retry_after_seconds(formatdate(time.time() + 30, usegmt=True))
    assert wait is not None and 28 <= wait <= 30


def test_a_retry_after_of_thousands_of_digits_is_a_typed_error(
    make_client: Any, make_async_client: Any, venues: FakeVenues
) -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"message": "busy"}, headers={"Retry-After": "9" * 5000})

    venues.kalshi = {"subaccount_balances": []}
    venues.coinswitch.update({1001: cs_body(1001), 1002: busy})
    with make_client() as client:
        with pytest.raises(adapter.VenueUnavailableError):
            client.coinswitch_balance(1002)
        report = client.all_balances([1001, 1002])

    async def main() -> adapter.BalanceReport:
        async with make_async_client() as client:
            return await client.all_balances([1001, 1002])

    for result in (report, asyncio.run(main())):
        assert [b.subaccount for b in result.balances if b.venue == "coinswitch_dma"] == [1001]
        assert [(e.subaccount, e.error.status) for e in result.errors] == [(1002, 503)]


def test_a_long_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    attempts = []

    def attempt() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise adapter.RateLimitedError("slow down", retryable=True, retry_after=90.0)
        return "ok"

    policy = retry.RetryPolicy()
    assert policy.call(retry.Deadline(120.0), attempt) == "ok"
    assert slept == [retry.RETRY_AFTER_CAP]
    with pytest.raises(adapter.RateLimitedError):  # a wait past the deadline is not taken
        attempts.clear()
        policy.call(retry.Deadline(5.0), attempt)


FAST = {"retry_base_delay": 0.02, "retry_max_delay": 0.1, "coinswitch_rate_limit": None}


def test_two_429s_then_success(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    sandbox.fail_next("kalshi", times=2, status=429)
    caplog.set_level(logging.INFO, logger="adapter")
    with sandbox.client(**FAST) as client:
        balances = client.kalshi_balances()
    assert [str(b.balance) for b in balances] == ["1500.2500", "320.75", "0.123456"]
    seen = [entry for entry in sandbox.log if entry.venue == "kalshi"]
    assert [entry.status for entry in seen] == [429, 429, 200]
    # Three attempts, three signatures, each fresh and each verified by the sandbox.
    assert len({entry.signature for entry in seen}) == 3
    stamps = [int(entry.stamp or 0) for entry in seen]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    # The backoff was taken: logged, and seen by the server as gaps between attempts.
    waits = [float(r.getMessage().split("retrying in ")[1].split(" s")[0]) for r in caplog.records]
    assert len(waits) == 2 and all(0 <= w <= 0.1 for w in waits)
    assert "too many requests" in caplog.records[0].getMessage()
    gaps = [b.at - a.at for a, b in itertools.pairwise(seen)]
    assert all(gap >= wait * 0.9 for gap, wait in zip(gaps, waits, strict=True))
    tally("faults survived", 2)


def test_retry_after_http_date_is_honoured(sandbox: Sandbox) -> None:
    from email.utils import formatdate

    started_wall, started = time.time(), time.monotonic()
    retry_at = int(started_wall) + 1  # an HTTP date has whole seconds
    later = formatdate(retry_at, usegmt=True)
    sandbox.inject("coinswitch_dma", Fault(status=429, headers=(("Retry-After", later),)))
    with sandbox.client(**FAST) as client:
        client.coinswitch_balance(1001)
    waited = time.monotonic() - started
    due = retry_at - started_wall
    assert due - 0.05 <= waited <= due + 1.0, (due, waited)
    tally("faults survived")

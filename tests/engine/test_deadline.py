"""The deadline of a public call: it holds wherever a call can wait (connecting, resolving,
reading a trickle, a hung venue), and what arrived in time is kept."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import pytest

import adapter
from adapter.sandbox import Fault, Sandbox
from tests.fake_venues import FakeVenues, cs_body, kalshi_row
from tests.reliability import tally

FAST = {"retry_base_delay": 0.02, "retry_max_delay": 0.1, "coinswitch_rate_limit": None}


def test_latency_beyond_the_timeout(sandbox: Sandbox) -> None:
    sandbox.inject("coinswitch_dma", Fault(delay=1.2))
    with sandbox.client(timeout=0.4, **FAST) as client:
        started = time.monotonic()
        with pytest.raises(adapter.VenueUnavailableError) as caught:
            client.coinswitch_balance(1001)
    assert time.monotonic() - started < 1.0
    assert "no answer in time" in caught.value.message or "deadline" in caught.value.message
    assert caught.value.subaccount == 1001


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_one_venue_hung_never_delays_the_other(sandbox: Sandbox, mode: str) -> None:
    sandbox.inject("kalshi", Fault(delay=1.5))

    async def fetch_async() -> adapter.BalanceReport:
        async with sandbox.async_client(timeout=0.5, **FAST) as client:
            return await client.all_balances([1001, 1002])

    started = time.monotonic()
    if mode == "sync":
        with sandbox.client(timeout=0.5, **FAST) as client:
            report = client.all_balances([1001, 1002])
    else:
        report = asyncio.run(fetch_async())
    assert time.monotonic() - started < 1.2
    assert [b.subaccount for b in report.balances] == [1001, 1002]
    [failure] = report.errors
    assert failure.venue == "kalshi" and isinstance(failure.error, adapter.VenueUnavailableError)
    tally("faults survived")


KALSHI_BODY = {"subaccount_balances": [kalshi_row(0, "1500.2500"), kalshi_row(1, "0.5600")]}


def test_deadline_returns_what_it_has(make_client: Any, venues: FakeVenues) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        time.sleep(1.5)
        return httpx.Response(200, json=KALSHI_BODY)

    venues.kalshi = hang
    venues.coinswitch[1001] = cs_body(1001)
    with make_client(timeout=0.3) as client:
        started = time.perf_counter()
        report = client.all_balances([1001])
        elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert [b.subaccount for b in report.balances] == [1001]
    [failure] = report.errors
    assert failure.venue == "kalshi"
    assert "deadline" in failure.error.message


def test_async_deadline_is_hard(make_async_client: Any, venues: FakeVenues) -> None:
    class Hang(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "kalshi.test":
                await asyncio.sleep(5)
            return httpx.Response(200, json=cs_body(1001))

    async def main() -> adapter.BalanceReport:
        async with make_async_client(timeout=0.3, transport=Hang()) as client:
            return await client.all_balances([1001])

    started = time.perf_counter()
    report = asyncio.run(main())
    assert time.perf_counter() - started < 1.0
    assert [b.subaccount for b in report.balances] == [1001]
    assert [(e.venue, e.error.kind) for e in report.errors] == [("kalshi", "unavailable")]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("call", ["kalshi_balances", "coinswitch_balance", "all_balances"])
def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(
    sandbox: Sandbox, mode: str, call: str
) -> None:
    # One byte every 0.1 s: no single read ever waits long enough to time out.
    sandbox.inject("kalshi", Fault(trickle=0.1))
    sandbox.inject("coinswitch_dma", Fault(trickle=0.1))
    options = {"timeout": 0.8, "max_retries": 0, "coinswitch_rate_limit": None}
    arguments = {"coinswitch_balance": (1001,), "all_balances": ([1001],)}.get(call, ())
    started = time.monotonic()
    if mode == "sync":
        with sandbox.client(**options) as client:
            try:
                outcome: Any = getattr(client, call)(*arguments)
            except adapter.AdapterError as error:
                outcome = error
    else:

        async def main() -> Any:
            async with sandbox.async_client(**options) as client:
                try:
                    return await getattr(client, call)(*arguments)
                except adapter.AdapterError as error:
                    return error

        outcome = asyncio.run(main())
    assert time.monotonic() - started < 1.5
    if call == "all_balances":
        assert outcome.balances == [] and len(outcome.errors) == 2
        assert all(isinstance(e.error, adapter.VenueUnavailableError) for e in outcome.errors)
    else:
        assert isinstance(outcome, adapter.VenueUnavailableError)
        assert "deadline" in outcome.message or "no answer in time" in outcome.message


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Sandbox:
    """`slow.test` takes 3 s to resolve; `named.test` is the sandbox's address."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host == "slow.test":
            time.sleep(3)
            host = "127.0.0.1"
        elif host == "named.test":
            host = "127.0.0.1"
        return resolve(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return sandbox


def test_name_resolution_ends_by_the_deadline(resolver: Sandbox) -> None:
    port = resolver.url.rsplit(":", 1)[1]
    options = resolver.client_options(kalshi_base_url=f"http://slow.test:{port}/trade-api/v2")
    for call in ("kalshi_balances", "all_balances"):
        with adapter.BalanceClient(**options, timeout=1, max_retries=0) as client:
            started = time.monotonic()
            try:
                outcome: object = getattr(client, call)()
            except adapter.AdapterError as error:
                outcome = error
            took = time.monotonic() - started
        assert took < 1.25, (call, took)
        if call == "kalshi_balances":
            assert isinstance(outcome, adapter.VenueUnavailableError)
        else:
            assert isinstance(outcome, adapter.BalanceReport)
            assert [e.venue for e in outcome.errors] == ["kalshi"]
            assert len(outcome.balances) == 4  # CoinSwitch's whole master


def test_a_resolved_name_is_connected_to(resolver: Sandbox) -> None:
    port = resolver.url.rsplit(":", 1)[1]
    options = resolver.client_options(kalshi_base_url=f"http://named.test:{port}/trade-api/v2")
    with adapter.BalanceClient(**options) as client:
        assert len(client.kalshi_balances()) == 3

"""close() racing calls in flight, and calls after close(): typed errors, never httpx's
bare RuntimeError (CONTRACT, Clients)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import adapter
from adapter.sandbox import Sandbox

FAST = {"coinswitch_rate_limit": None, "kalshi_rate_limit": None, "max_retries": 0}


def close_soon(client: adapter.BalanceClient, after: float) -> threading.Thread:
    closer = threading.Timer(after, client.close)
    closer.start()
    return closer


def test_close_from_another_thread_during_a_fan_out(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3
    ids = sandbox.simulator("coinswitch_dma").subaccounts
    client = sandbox.client(timeout=5, **FAST)
    closer = close_soon(client, 0.1)
    started = time.monotonic()
    report = client.all_balances(ids)
    closer.join()
    assert time.monotonic() - started < 2, "close() must end the calls in flight"
    assert report.balances == []
    assert len(report.errors) == 1 + len(ids)
    for failure in report.errors:
        assert isinstance(failure.error, adapter.VenueUnavailableError), failure.error
        assert "closed" in failure.error.message


def test_close_from_another_thread_during_single_and_many_calls(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3
    for call in (
        lambda client: client.kalshi_balances(),
        lambda client: client.coinswitch_balances([1001, 1002, 1003]),
    ):
        client = sandbox.client(timeout=5, **FAST)
        closer = close_soon(client, 0.1)
        with pytest.raises(adapter.VenueUnavailableError, match="closed"):
            call(client)
        closer.join()
        assert sandbox.wait_idle()


def test_calls_after_close_raise_adapter_errors(sandbox: Sandbox) -> None:
    client = sandbox.client()
    assert len(client.kalshi_balances()) == 3
    client.close()
    for call in (
        lambda: client.kalshi_balances(),
        lambda: client.coinswitch_balance(1001),
        lambda: client.coinswitch_balances([1001, 1002]),
    ):
        with pytest.raises(adapter.AdapterError, match="closed") as caught:
            call()
        assert not isinstance(caught.value, RuntimeError)


def test_async_aclose_during_calls_and_after(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3

    async def main() -> adapter.BalanceReport:
        client = sandbox.async_client(timeout=5, **FAST)
        fetch = asyncio.ensure_future(client.all_balances([1001, 1002]))
        await asyncio.sleep(0.1)
        await client.aclose()
        report = await fetch
        with pytest.raises(adapter.AdapterError, match="closed") as caught:
            await client.kalshi_balances()
        assert not isinstance(caught.value, RuntimeError)
        return report

    report = asyncio.run(main())
    assert report.balances == []
    assert len(report.errors) == 3
    assert all(isinstance(e.error, adapter.AdapterError) for e in report.errors)

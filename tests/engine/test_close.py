"""close() racing calls in flight, and calls after close(): typed errors, never httpx's
bare RuntimeError (CONTRACT, Clients)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings

import pytest

import adapter
from adapter.sandbox import Sandbox

FAST = {"coinswitch_rate_limit": None, "kalshi_rate_limit": None, "max_retries": 0}


class Closer(threading.Thread):
    """Closes a client from another thread once the sandbox has received `requests` more
    requests (the calls are then in flight, however late a busy machine sent them), or after
    5 s; `closed_at` is when it did."""

    def __init__(self, client: adapter.BalanceClient, sandbox: Sandbox, requests: int) -> None:
        super().__init__()
        self.client, self.sandbox = client, sandbox
        self.awaited = sandbox.requests + requests
        self.closed_at = float("inf")
        self.start()

    def run(self) -> None:
        end = time.monotonic() + 5
        while self.sandbox.requests < self.awaited and time.monotonic() < end:
            time.sleep(0.005)
        self.closed_at = time.monotonic()
        self.client.close()


def test_close_from_another_thread_during_a_fan_out(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3
    ids = sandbox.simulator("coinswitch_dma").subaccounts
    client = sandbox.client(timeout=5, **FAST)
    closer = Closer(client, sandbox, requests=1 + len(ids))
    report = client.all_balances(ids)
    closer.join()
    assert time.monotonic() - closer.closed_at < 2, "close() must end the calls in flight"
    assert report.balances == []
    assert len(report.errors) == 1 + len(ids)
    for failure in report.errors:
        assert isinstance(failure.error, adapter.VenueUnavailableError), failure.error
        assert "closed" in failure.error.message


def test_close_from_another_thread_during_single_and_many_calls(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3
    for call, requests in (
        (lambda client: client.kalshi_balances(), 1),
        (lambda client: client.coinswitch_balances([1001, 1002, 1003]), 3),
    ):
        client = sandbox.client(timeout=5, **FAST)
        closer = Closer(client, sandbox, requests)
        with pytest.raises(adapter.VenueUnavailableError, match="closed"):
            call(client)
        closer.join()
        assert sandbox.wait_idle()


def test_close_ends_a_rate_limited_fan_out_at_once(sandbox: Sandbox) -> None:
    """Workers sleeping for their rate-limit slots, or queued behind them, stop at close()
    (it used to sit out the whole deadline: the pool cancelled queued work without waking
    the caller, and a call refused on its way kept its turn)."""
    sandbox.latency = 0.05
    client = sandbox.client(timeout=10, coinswitch_rate_limit=10.0)  # 6 s for 60 ids
    closer = Closer(client, sandbox, requests=1)
    with pytest.raises(adapter.VenueUnavailableError, match="closed during the call"):
        client.coinswitch_balances([1001, 1002, 1003] * 20 + list(range(5000, 5060)))
    closer.join()
    assert time.monotonic() - closer.closed_at < 1.0


@pytest.mark.parametrize("delay", [0.0, 0.005, 0.015, 0.03, 0.06, 0.1])
def test_a_report_racing_close_has_only_typed_unavailable_entries(
    sandbox: Sandbox, delay: float
) -> None:
    sandbox.latency = 0.02
    client = sandbox.client(timeout=10)
    ids = list(range(5000, 5080))  # 404s if they arrive: any typed outcome is fine
    reports: list[adapter.BalanceReport] = []
    worker = threading.Thread(target=lambda: reports.append(client.all_balances(ids)))
    worker.start()
    time.sleep(0.005)  # the call is under way before close()
    time.sleep(delay)
    client.close()
    closed = time.monotonic()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - closed < 1.0
    [report] = reports
    for failure in report.errors:
        assert isinstance(failure.error, (adapter.VenueUnavailableError, adapter.NotFoundError))
        assert failure.error.kind in ("unavailable", "not_found"), failure.error


def test_calls_after_close_raise_adapter_errors(sandbox: Sandbox) -> None:
    client = sandbox.client()
    assert len(client.kalshi_balances()) == 3
    client.close()
    for call in (
        lambda: client.kalshi_balances(),
        lambda: client.coinswitch_balance(1001),
        lambda: client.coinswitch_balances([1001, 1002]),
        lambda: client.all_balances(),
    ):
        with pytest.raises(adapter.AdapterError, match="closed") as caught:
            call()
        assert not isinstance(caught.value, RuntimeError)
        assert type(caught.value) is adapter.AdapterError  # the client is closed, not a venue


def test_async_aclose_during_calls_and_after(sandbox: Sandbox) -> None:
    sandbox.latency = 0.3

    async def main() -> adapter.BalanceReport:
        client = sandbox.async_client(timeout=5, **FAST)
        fetch = asyncio.ensure_future(client.all_balances([1001, 1002]))
        # Close while all three requests are being answered (0.3 s each). A fixed sleep
        # could end before they are sent: a new client's first call can block the event
        # loop for longer (setting up its connection pool, on a busy machine).
        for _ in range(500):
            if sandbox.requests == 3:
                break
            await asyncio.sleep(0.01)
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


@pytest.mark.parametrize("after_loop_turns", [0, 1, 3, 10])
def test_async_aclose_before_the_requests_are_sent_leaves_no_socket_open(
    sandbox: Sandbox, after_loop_turns: int
) -> None:
    """aclose() while the calls are still connecting: none of them is answered as if the
    client were open, and no connection outlives the client (an attempt connecting when
    the pool closed used to send its request after it, and leave its socket open)."""
    sandbox.latency = 0.3

    async def main() -> adapter.BalanceReport | adapter.AdapterError:
        client = sandbox.async_client(timeout=5, **FAST)
        fetch = asyncio.ensure_future(client.all_balances([1001, 1002]))
        for _ in range(after_loop_turns):
            await asyncio.sleep(0)
        await client.aclose()
        try:
            return await fetch
        except adapter.AdapterError as error:  # closed before the call began
            return error

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        report = asyncio.run(main())
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    if isinstance(report, adapter.AdapterError):
        assert after_loop_turns == 0 and "closed" in str(report)
        return
    assert report.balances == []
    assert len(report.errors) == 3
    assert all("closed" in str(failure.error) for failure in report.errors)

"""Requests of a fan-out leave in the order given, so a fan-out cut by its deadline loses
only the tail of the ids (CONTRACT, Clients)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import adapter
from adapter.sandbox import Sandbox
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS

IDS = list(range(5001, 5061))  # 60 children at 40 requests/s: about half fit in 0.8 s


@pytest.fixture
def many(sandbox: Sandbox) -> Any:
    accounts = sandbox.simulator("coinswitch_dma").accounts
    accounts.update({n: dict(SAMPLE_ACCOUNTS[1001], subaccount_id=n) for n in IDS})
    sandbox.latency = 0.01
    yield sandbox
    assert sandbox.wait_idle()
    for n in IDS:
        del accounts[n]


def check_tail_only(report: adapter.BalanceReport) -> None:
    fetched = [b.subaccount for b in report.balances if b.venue == "coinswitch_dma"]
    missing = [e.subaccount for e in report.errors]
    assert 5 <= len(fetched) < len(IDS), (len(fetched), "the deadline should cut the fan-out")
    assert fetched == IDS[: len(fetched)], f"fetched ids are not a prefix: {fetched}"
    assert missing == IDS[len(fetched) :]
    assert all(isinstance(e.error, adapter.VenueUnavailableError) for e in report.errors)


@pytest.mark.parametrize("round_", range(3))
def test_sync_fan_out_cut_by_its_deadline_loses_only_the_tail(many: Sandbox, round_: int) -> None:
    with many.client(timeout=0.8, coinswitch_rate_limit=40.0, kalshi=None) as client:
        check_tail_only(client.all_balances(IDS))


@pytest.mark.parametrize("round_", range(3))
def test_async_fan_out_cut_by_its_deadline_loses_only_the_tail(many: Sandbox, round_: int) -> None:
    async def main() -> adapter.BalanceReport:
        async with many.async_client(timeout=0.8, coinswitch_rate_limit=40.0, kalshi=None) as c:
            return await c.all_balances(IDS)

    check_tail_only(asyncio.run(main()))


def test_turns_release_waiters_in_turn_order_whatever_order_they_arrive_in() -> None:
    import threading
    import time

    from adapter.engine.account import Turns
    from adapter.engine.deadline import Deadline

    turns, order, lock = Turns(), [], threading.Lock()

    def take(turn: int) -> None:
        assert turns.wait(turn, Deadline(5))
        with lock:
            order.append(turn)
        turns.done(turn)

    threads = []
    for turn in reversed(range(6)):  # the last turn arrives first
        threads.append(threading.Thread(target=take, args=(turn,)))
        threads[-1].start()
        time.sleep(0.01)
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))
    assert not Turns().wait(1, Deadline(0.05)), "a turn whose predecessor never comes times out"

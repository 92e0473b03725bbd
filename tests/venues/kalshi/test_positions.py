"""Positions through the sandbox: GetBalance for each subaccount after the bulk call, in
order, and `kalshi_balance` of one subaccount; failures kept beside the cash."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import adapter
from adapter.sandbox import Sandbox
from adapter.venues.kalshi.simulator import SAMPLE_BALANCES, KalshiSimulator
from tests.fake_venues import KALSHI_BALANCE_PATH as BALANCE_TARGET
from tests.fake_venues import KALSHI_PATH as BULK_TARGET

EXPECTED_PORTFOLIO = {0: "123.45", 1: "0.00", 2: "50.00"}


@pytest.fixture
def kalshi(sandbox: Sandbox) -> Iterator[KalshiSimulator]:
    """The sandbox's Kalshi simulator; what a test changes in it is put back."""
    simulator: KalshiSimulator = sandbox.simulator("kalshi")
    shards = {n: dict(held) for n, held in simulator.shards.items()}
    values = dict(simulator.portfolio_values)
    yield simulator
    assert sandbox.wait_idle()
    simulator.shards, simulator.portfolio_values = shards, values
    simulator.balance_errors.clear()


def kalshi_targets(sandbox: Sandbox) -> list[str]:
    """Kalshi request targets in the order they arrived.

    Concurrent requests leave in order but may arrive a little out of it on a loaded
    machine; tests that assert the order of several requests send one at a time."""
    seen = sorted((entry for entry in sandbox.log if entry.venue == "kalshi"), key=lambda e: e.at)
    return [entry.target for entry in seen]


def fetched(sandbox: Sandbox) -> list[str]:
    """The bulk call first, then the GetBalance calls (in any order)."""
    first, *rest = kalshi_targets(sandbox)
    return [first, *sorted(rest, key=lambda target: int(target.rpartition("=")[2]))]


def positions_targets(numbers: Iterable[int]) -> list[str]:
    return [BULK_TARGET] + [f"{BALANCE_TARGET}?subaccount={n}" for n in numbers]


def check_positions(balances: list[adapter.SubaccountBalance]) -> None:
    assert [b.subaccount for b in balances] == [0, 1, 2]
    assert {b.subaccount: str(b.balance) for b in balances} == SAMPLE_BALANCES
    assert {b.subaccount: str(b.portfolio_value) for b in balances} == EXPECTED_PORTFOLIO
    assert [(s.exchange_index, str(s.balance)) for s in balances[1].shards] == [
        (0, "325.75"),
        (1, "-5.00"),
    ]


def test_positions_through_the_sandbox(sandbox: Sandbox) -> None:
    with sandbox.client() as client:  # Kalshi's default rate limit on: the real path
        balances = client.kalshi_balances(positions=True)
    check_positions(balances)
    assert fetched(sandbox) == positions_targets([0, 1, 2])


def test_positions_through_the_sandbox_async(sandbox: Sandbox) -> None:
    async def main() -> list[adapter.SubaccountBalance]:
        async with sandbox.async_client() as client:
            result: list[adapter.SubaccountBalance] = await client.kalshi_balances(positions=True)
            return result

    check_positions(asyncio.run(main()))
    assert fetched(sandbox) == positions_targets([0, 1, 2])


def test_without_positions_one_request_and_no_portfolio_value(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        balances = client.kalshi_balances()
    assert [b.portfolio_value for b in balances] == [None] * 3
    assert [len(b.shards) for b in balances] == [2, 2, 1]
    assert kalshi_targets(sandbox) == [BULK_TARGET]


ONE_AT_A_TIME = {"max_in_flight": 1, "kalshi_rate_limit": 200.0}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_positions_of_64_subaccounts_go_out_in_ascending_order(
    sandbox: Sandbox, kalshi: KalshiSimulator, mode: str
) -> None:
    numbers = list(range(64))
    for number in range(3, 64):
        kalshi.set_shards(number, {shard: f"{number}.{shard}" for shard in range(4)})
        kalshi.portfolio_values[number] = number
    if mode == "sync":
        with sandbox.client(**ONE_AT_A_TIME) as client:
            balances = client.kalshi_balances(positions=True)
    else:

        async def main() -> list[adapter.SubaccountBalance]:
            async with sandbox.async_client(**ONE_AT_A_TIME) as client:
                found: list[adapter.SubaccountBalance] = await client.kalshi_balances(
                    positions=True
                )
                return found

        balances = asyncio.run(main())
    assert [b.subaccount for b in balances] == numbers
    assert balances[-1].balance == Decimal("252.6")  # 63.0 + 63.1 + 63.2 + 63.3
    assert balances[-1].portfolio_value == Decimal("0.63")
    assert kalshi_targets(sandbox) == positions_targets(numbers)


def test_kalshi_balance_sends_subaccount_0_explicitly(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        primary = client.kalshi_balance(0)
    assert kalshi_targets(sandbox) == [f"{BALANCE_TARGET}?subaccount=0"]
    assert (primary.subaccount, primary.primary, str(primary.balance)) == (0, True, "1500.2500")
    assert primary.portfolio_value == Decimal("123.45")
    assert [(s.exchange_index, str(s.balance)) for s in primary.shards] == [
        (0, "1000.2500"),
        (1, "500.00"),
    ]
    assert primary.updated_at == datetime(2025, 11, 21, 18, 59, tzinfo=UTC)


def test_kalshi_balance_async(sandbox: Sandbox) -> None:
    async def main() -> adapter.SubaccountBalance:
        async with sandbox.async_client() as client:
            result: adapter.SubaccountBalance = await client.kalshi_balance(2)
            return result

    balance = asyncio.run(main())
    assert (balance.subaccount, str(balance.balance), str(balance.portfolio_value)) == (
        2,
        "0.123456",
        "50.00",
    )
    assert kalshi_targets(sandbox) == [f"{BALANCE_TARGET}?subaccount=2"]


def test_kalshi_balance_of_an_unknown_subaccount_is_not_found(sandbox: Sandbox) -> None:
    with sandbox.client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.kalshi_balance(9)
    error = caught.value
    assert (error.venue, error.endpoint, error.subaccount, error.status) == (
        "kalshi",
        "GET /portfolio/balance",
        9,
        404,
    )
    assert "subaccount 9 not found" in error.message


@pytest.mark.parametrize("value", [-1, 64, True, "0"])
def test_kalshi_balance_of_a_non_subaccount_sends_nothing(sandbox: Sandbox, value: Any) -> None:
    with sandbox.client() as client, pytest.raises(adapter.BadRequestError) as caught:
        client.kalshi_balance(value)
    assert caught.value.endpoint == "GET /portfolio/balance"
    assert kalshi_targets(sandbox) == []


def test_one_failing_get_balance_is_raised_after_fetching_all(
    sandbox: Sandbox, kalshi: KalshiSimulator
) -> None:
    kalshi.balance_errors[1] = 404
    kalshi.balance_errors[2] = 403
    with sandbox.client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.kalshi_balances(positions=True)
    assert (caught.value.subaccount, caught.value.endpoint) == (1, "GET /portfolio/balance")
    assert fetched(sandbox) == positions_targets([0, 1, 2])  # all of them fetched


def test_one_failing_get_balance_async(sandbox: Sandbox, kalshi: KalshiSimulator) -> None:
    kalshi.balance_errors[2] = 404

    async def main() -> None:
        async with sandbox.async_client() as client:
            await client.kalshi_balances(positions=True)

    with pytest.raises(adapter.NotFoundError) as caught:
        asyncio.run(main())
    assert caught.value.subaccount == 2
    assert fetched(sandbox) == positions_targets([0, 1, 2])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_report_keeps_the_cash_row_and_reports_the_failure(
    sandbox: Sandbox, kalshi: KalshiSimulator, mode: str
) -> None:
    kalshi.balance_errors[1] = 404
    if mode == "sync":
        with sandbox.client(coinswitch=None) as client:
            report = client.all_balances(kalshi_positions=True)
    else:

        async def main() -> adapter.BalanceReport:
            async with sandbox.async_client(coinswitch=None) as client:
                return await client.all_balances(kalshi_positions=True)

        report = asyncio.run(main())
    assert [(b.subaccount, str(b.balance)) for b in report.balances] == [
        (0, "1500.2500"),
        (1, "320.75"),
        (2, "0.123456"),
    ]
    assert [b.portfolio_value for b in report.balances] == [
        Decimal("123.45"),
        None,
        Decimal("50.00"),
    ]
    assert len(report.balances[1].shards) == 2  # the cash row, shards and all
    [failure] = report.errors
    assert (failure.venue, failure.subaccount) == ("kalshi", 1)
    assert isinstance(failure.error, adapter.NotFoundError)
    assert failure.error.endpoint == "GET /portfolio/balance"

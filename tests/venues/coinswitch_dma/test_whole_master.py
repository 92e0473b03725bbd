"""CoinSwitch DMA's whole master through the sandbox: its own balance, the subaccount list,
everything in one consolidated request, and the fallback where that endpoint is not offered."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

import adapter
from adapter.sandbox import Fault, Sandbox

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.005, "coinswitch_rate_limit": None}
CHILD = "/dma/api/v1/master/subaccount/balance"
CONSOLIDATED = "/dma/api/v1/master/balance/consolidated"


def cs_requests(sandbox: Sandbox) -> list[str]:
    return [seen.target for seen in sandbox.log if seen.venue == "coinswitch_dma"]


def test_whole_master_in_one_request(sandbox: Sandbox) -> None:
    with sandbox.client(**FAST) as client:
        master = client.coinswitch_master_balance()
        listed = client.coinswitch_subaccounts()
        everything = client.coinswitch_all_balances()
        report = client.all_balances()
    assert (master.subaccount, master.primary, str(master.balance)) == (None, True, "10500.25")
    assert [(s.subaccount, s.primary, s.active) for s in listed] == [
        (1000, True, None),
        (1001, False, True),
        (1002, False, True),
        (1003, False, False),
    ]
    assert [b.subaccount for b in everything] == [None, 1001, 1002, 1003]
    assert everything[0] == master
    assert [b for b in report.balances if b.venue == "coinswitch_dma"] == everything
    assert not report.errors
    assert cs_requests(sandbox) == [
        "/dma/api/v1/master/balance",
        "/dma/api/v1/master/subaccounts",
        CONSOLIDATED,
        CONSOLIDATED,
    ]


def test_whole_master_async(sandbox: Sandbox) -> None:
    async def main() -> tuple[Any, ...]:
        async with sandbox.async_client(**FAST) as client:
            return (
                await client.coinswitch_master_balance(),
                await client.coinswitch_subaccounts(),
                await client.coinswitch_all_balances(),
                await client.all_balances(),
            )

    master, listed, everything, report = asyncio.run(main())
    assert master.subaccount is None and listed[0].subaccount == 1000
    assert [b.subaccount for b in everything] == [None, 1001, 1002, 1003]
    assert [b for b in report.balances if b.venue == "coinswitch_dma"] == everything


def test_named_children_still_read_one_by_one(sandbox: Sandbox) -> None:
    with sandbox.client(**FAST) as client:
        report = client.all_balances([1002, 1001])
    assert [b.subaccount for b in report.balances if b.venue == "coinswitch_dma"] == [1002, 1001]
    assert all(target.startswith(CHILD) for target in cs_requests(sandbox))


@pytest.fixture
def no_consolidated(sandbox: Sandbox) -> Any:
    simulator = sandbox.simulator("coinswitch_dma")
    simulator.consolidated = False
    yield sandbox
    simulator.consolidated = True


def test_fallback_when_consolidated_is_not_offered(
    no_consolidated: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = no_consolidated
    caplog.set_level(logging.INFO, logger="adapter")
    with sandbox.client(**{**FAST, "coinswitch_rate_limit": 50.0}) as client:  # in order
        balances = client.coinswitch_all_balances()
        report = client.all_balances()
    expected = [None, 1001, 1002, 1003]
    assert [b.subaccount for b in balances] == expected
    assert [b.subaccount for b in report.balances if b.venue == "coinswitch_dma"] == expected
    fallback = [r for r in caplog.records if "one request at a time" in r.getMessage()]
    assert len(fallback) == 2, "one line per read that fell back"
    first = cs_requests(sandbox)[:5]
    assert first[:3] == [
        CONSOLIDATED,
        "/dma/api/v1/master/balance",
        "/dma/api/v1/master/subaccounts",
    ]
    assert first[3:] == [f"{CHILD}?subaccount_id=1001", f"{CHILD}?subaccount_id=1002"]
    with_consolidated = sandbox.simulator("coinswitch_dma")
    with_consolidated.consolidated = True
    with sandbox.client(**FAST) as client:
        assert client.coinswitch_all_balances() == balances, "the same shape either way"


@pytest.mark.parametrize("status", [405, 501])
def test_fallback_on_405_and_501(sandbox: Sandbox, status: int) -> None:
    sandbox.inject("coinswitch_dma", Fault(status=status))
    with sandbox.client(**FAST) as client:
        balances = client.coinswitch_all_balances()
    assert [b.subaccount for b in balances] == [None, 1001, 1002, 1003]
    assert len(cs_requests(sandbox)) == 1 + 2 + 3


def test_fallback_reports_one_child_failing_without_hiding_the_rest(
    no_consolidated: Sandbox,
) -> None:
    sandbox = no_consolidated
    refusing = sandbox.simulator("coinswitch_dma").foreign_subaccounts
    refusing.add(1002)  # listed, but its balance answers 403
    try:
        with sandbox.client(**FAST) as client:
            report = client.all_balances()
            with pytest.raises(adapter.ForbiddenError) as caught:
                client.coinswitch_all_balances()
    finally:
        refusing.discard(1002)
    cs = [b.subaccount for b in report.balances if b.venue == "coinswitch_dma"]
    assert cs == [None, 1001, 1003]
    assert [(e.subaccount, e.error.status) for e in report.errors] == [(1002, 403)]
    assert caught.value.subaccount == 1002


@pytest.mark.parametrize("status", [500, 403, 429])
def test_other_failures_are_reported_not_retried_down_another_path(
    sandbox: Sandbox, status: int
) -> None:
    sandbox.inject("coinswitch_dma", Fault(status=status), times=10)
    with sandbox.client(**FAST, max_retries=1) as client:
        report = client.all_balances()
        sandbox.clear_faults()
    assert [b.venue for b in report.balances] == ["kalshi"] * 3
    [failure] = report.errors
    assert failure.venue == "coinswitch_dma" and failure.error.status == status
    assert set(cs_requests(sandbox)) == {CONSOLIDATED}


def test_two_hundred_children_at_default_settings_in_one_request_under_a_second() -> None:
    with Sandbox.demo(coinswitch_children=200) as sandbox:
        sandbox.latency = 0.03
        started = time.monotonic()
        with sandbox.client() as client:
            report = client.all_balances()
        wall = time.monotonic() - started

        async def main() -> adapter.BalanceReport:
            async with sandbox.async_client() as client:
                return await client.all_balances()

        async_report = asyncio.run(main())
        requests = cs_requests(sandbox)
    cs = [b for b in report.balances if b.venue == "coinswitch_dma"]
    assert [b.subaccount for b in cs] == [None, *range(1001, 1201)]
    assert [b for b in async_report.balances if b.venue == "coinswitch_dma"] == cs
    assert requests == [CONSOLIDATED, CONSOLIDATED]
    assert not report.errors and not async_report.errors
    assert wall < 1.0


def test_a_master_with_thousands_of_children_reads_in_one_request() -> None:
    with Sandbox.demo(coinswitch_children=4000) as sandbox, sandbox.client(kalshi=None) as client:
        balances = client.coinswitch_all_balances()
        listed = client.coinswitch_subaccounts()
    assert [b.subaccount for b in balances] == [None, *range(1001, 5001)]
    assert len(listed) == 4001


def test_the_whole_master_cap_still_bounds_what_is_read(sandbox: Sandbox) -> None:
    filler = b'{"message": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    sandbox.inject("coinswitch_dma", Fault(body=filler))
    client = sandbox.client(kalshi=None, max_retries=0)
    with client, pytest.raises(adapter.MalformedResponseError, match="16384 KiB"):
        client.coinswitch_all_balances()
    sandbox.inject("coinswitch_dma", Fault(body=b'{"x": "' + b"y" * (2 * 1024 * 1024) + b'"}'))
    client = sandbox.client(kalshi=None, max_retries=0)
    with client, pytest.raises(adapter.MalformedResponseError, match="1024 KiB"):
        client.coinswitch_balance(1001)  # one account's answer keeps the 1 MiB cap

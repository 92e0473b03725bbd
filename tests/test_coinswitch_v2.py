"""CoinSwitch DMA, the whole master: its own balance, the subaccount list, everything in
one consolidated request, and the fallback where that endpoint is not offered."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from decimal import Decimal
from typing import Any

import pytest
from venue_balances_coinswitch_dma.models import (
    ConsolidatedBalanceResponse,
    MasterBalanceResponse,
    SubaccountListResponse,
)

import adapter
from adapter.fields import FieldProblem
from adapter.sandbox import Fault, Sandbox
from adapter.venues.coinswitch_dma.mapping import (
    consolidated_from_json,
    master_balance_from_json,
    subaccounts_from_json,
)
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS, SAMPLE_MASTER
from tests.reliability import tally

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.005, "coinswitch_rate_limit": None}
CHILD = "/dma/api/v1/master/subaccount/balance"
CONSOLIDATED = "/dma/api/v1/master/balance/consolidated"


def consolidated_body() -> dict[str, Any]:
    """The fact sheet's consolidated example: master (explicit null flags) + children."""
    master = {**SAMPLE_MASTER, "subaccount_id": None, "is_master": True, "is_active": None}
    children = [{**SAMPLE_ACCOUNTS[n], "is_master": None} for n in (1003, 1001, 1002)]
    return copy.deepcopy({"message": "success", "data": {"balances": [master, *children]}})


def list_body() -> dict[str, Any]:
    """The fact sheet's list example: flags left out where they do not apply."""
    rows = [
        {"subaccount_id": 1002, "is_active": False},
        {"subaccount_id": 1000, "is_master": True},
        {"subaccount_id": 1001, "is_active": True},
    ]
    return {"message": "success", "data": {"subaccounts": rows}}


# Mapping -------------------------------------------------------------------------------


def test_consolidated_maps_master_first_then_children_ascending() -> None:
    balances = consolidated_from_json(consolidated_body())
    assert [(b.subaccount, b.primary, b.active) for b in balances] == [
        (None, True, None),
        (1001, False, True),
        (1002, False, True),
        (1003, False, False),  # an inactive child is still returned
    ]
    master = balances[0]
    assert master.balance == Decimal("10500.25") and str(master.balance) == "10500.25"
    assert master.currency == "USDT" and master.inr_rate == Decimal("84.50")
    [usdt] = master.assets
    assert (usdt.wallet_balance, usdt.unrealised_pnl) == (Decimal("10000.00"), Decimal("500.25"))
    assert [str(b.balance) for b in balances[1:]] == ["5000.00", "10750.25", "42.10"]


def test_consolidated_flags_may_be_left_out_too() -> None:
    body = consolidated_body()
    for row in body["data"]["balances"][1:]:
        del row["is_master"]
    del body["data"]["balances"][0]["is_active"]
    assert len(consolidated_from_json(body)) == 4


def test_list_flags_left_out_or_null_mean_the_same() -> None:
    omitted = subaccounts_from_json(list_body())
    explicit = list_body()
    for row in explicit["data"]["subaccounts"]:
        row.setdefault("is_master", None)
        row.setdefault("is_active", None)
    assert subaccounts_from_json(explicit) == omitted
    assert [(s.subaccount, s.primary, s.active) for s in omitted] == [
        (1000, True, None),  # the master's own row, with its numeric id, first
        (1001, False, True),
        (1002, False, False),
    ]
    assert all(s.venue == "coinswitch_dma" for s in omitted)


def test_master_balance() -> None:
    balance = master_balance_from_json({"message": "success", "data": SAMPLE_MASTER})
    assert (balance.subaccount, balance.primary, balance.active) == (None, True, None)
    assert str(balance.balance) == "10500.25"
    with pytest.raises(FieldProblem) as caught:
        master_balance_from_json({"data": {**SAMPLE_MASTER, "subaccount_id": 1001}})
    assert caught.value.field == "data.subaccount_id"


def edit(body: dict[str, Any], row: int, key: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target = body["data"]["balances"][row]
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return body


def second_master() -> dict[str, Any]:
    body = consolidated_body()
    body["data"]["balances"].append(dict(body["data"]["balances"][0]))
    return body


def repeated_child() -> dict[str, Any]:
    body = consolidated_body()
    body["data"]["balances"].append(dict(body["data"]["balances"][1], is_active=False))
    return body


def no_master() -> dict[str, Any]:
    body = consolidated_body()
    del body["data"]["balances"][0]
    return body


HOSTILE_CONSOLIDATED: list[tuple[str, Any, str]] = [
    ("two master rows", second_master(), "data.balances[4]"),
    ("repeated child id", repeated_child(), "data.balances[4]"),
    ("no master row", no_master(), "data.balances"),
    ("id as a string", edit(consolidated_body(), 1, "subaccount_id", "1003"), "[1].subaccount_id"),
    ("negative id", edit(consolidated_body(), 2, "subaccount_id", -1), "[2].subaccount_id"),
    ("id past int64", edit(consolidated_body(), 2, "subaccount_id", 2**63), "[2].subaccount_id"),
    ("id a boolean", edit(consolidated_body(), 2, "subaccount_id", True), "[2].subaccount_id"),
    ("id a fraction", edit(consolidated_body(), 2, "subaccount_id", Decimal("1.5")), "[2]."),
    ("child without id", edit(consolidated_body(), 3, "subaccount_id", None), "[3].subaccount_id"),
    ("flag a string", edit(consolidated_body(), 1, "is_master", "no"), "[1].is_master"),
    ("active a string", edit(consolidated_body(), 1, "is_active", "yes"), "[1].is_active"),
    ("no detail", edit(consolidated_body(), 1, "balance_detail", ...), "[1].balance_detail"),
    ("rate a number", edit(consolidated_body(), 0, "usdt_inr_rate", 84.5), "[0].usdt_inr_rate"),
    ("balances an object", {"data": {"balances": {}}}, "data.balances"),
    ("balances missing", {"data": {}}, "data.balances"),
    ("row a string", {"data": {"balances": ["x"]}}, "data.balances[0]"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [(body, field) for _, body, field in HOSTILE_CONSOLIDATED],
    ids=[name for name, _, _ in HOSTILE_CONSOLIDATED],
)
def test_consolidated_refuses_what_it_cannot_trust(body: Any, field: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        consolidated_from_json(body)
    assert field in caught.value.field
    tally("hostile responses tried")


@pytest.mark.parametrize(
    ("amount", "where"),
    [(5000, "totalEquity"), ("5,000.00", "totalEquity"), ("1e3", "totalEquity"), (None, "")],
)
def test_consolidated_amounts_must_be_decimal_strings(amount: Any, where: str) -> None:
    body = consolidated_body()
    body["data"]["balances"][2]["balance_detail"]["totalEquity"] = amount
    with pytest.raises(FieldProblem) as caught:
        consolidated_from_json(body)
    assert caught.value.field == "data.balances[2].balance_detail.totalEquity"
    tally("hostile responses tried")


def test_list_refuses_repeats_two_masters_and_bad_ids() -> None:
    for rows, field in [
        ([{"subaccount_id": 1}, {"subaccount_id": 1}], "data.subaccounts[1]"),
        (
            [{"subaccount_id": 1, "is_master": True}, {"subaccount_id": 2, "is_master": True}],
            "data.subaccounts[1]",
        ),
        ([{"subaccount_id": "7"}], "data.subaccounts[0].subaccount_id"),
        ([{"is_active": True}], "data.subaccounts[0].subaccount_id"),
        ([{"subaccount_id": 7, "is_active": 1}], "data.subaccounts[0].is_active"),
    ]:
        with pytest.raises(FieldProblem) as caught:
            subaccounts_from_json({"data": {"subaccounts": rows}})
        assert caught.value.field == field
        tally("hostile responses tried")


def test_generated_models_accept_what_the_mapping_accepts() -> None:
    """The mapping reads bodies key by key; the models generated from the spec are the
    oracle: every body it accepts, they parse too, and a required key they miss, the
    mapping misses as well."""
    assert ConsolidatedBalanceResponse.from_dict(consolidated_body()).data.balances
    assert SubaccountListResponse.from_dict(list_body()).data.subaccounts
    assert MasterBalanceResponse.from_dict({"message": "ok", "data": SAMPLE_MASTER}).data
    for key in ("balance_detail", "subaccount_id"):
        body = edit(consolidated_body(), 1, key, ...)
        with pytest.raises(KeyError):
            ConsolidatedBalanceResponse.from_dict(body)
        with pytest.raises(FieldProblem):
            consolidated_from_json(body)


# Through the sandbox -----------------------------------------------------------------


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

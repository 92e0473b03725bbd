"""Kalshi's simulator: both endpoints agree on every shard, drift together, and refuse as
Kalshi does."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapter.sandbox import Sandbox
from adapter.venues.kalshi.mapping import balance_from_json, balances_from_json
from adapter.venues.kalshi.simulator import (
    SAMPLE_BALANCES,
    SAMPLE_PORTFOLIO_VALUES,
    KalshiSimulator,
)
from adapter.venues.simulation import Request
from tests.fake_venues import KALSHI_BALANCE_PATH as BALANCE_TARGET
from tests.fake_venues import KALSHI_PATH as BULK_TARGET


def simulator_answer(simulator: KalshiSimulator, target: str) -> tuple[int, Any]:
    simulator.verify = False  # signatures: see test_get_balance_is_signature_checked
    response = simulator.answer(Request("GET", target, {}))
    return response.status, json.loads(response.body)


def test_demo_shards_add_up_to_the_sample_totals_and_both_endpoints_agree() -> None:
    simulator = KalshiSimulator.demo()
    status, bulk = simulator_answer(simulator, BULK_TARGET)
    assert status == 200
    by_number = {b.subaccount: b for b in balances_from_json(bulk)}
    assert {n: str(b.balance) for n, b in by_number.items()} == SAMPLE_BALANCES
    assert len(bulk["subaccount_balances"]) == 5  # one row per (subaccount, shard)
    assert [len(b.shards) for b in by_number.values()] == [2, 2, 1]
    for number in SAMPLE_BALANCES:
        status, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount={number}")
        assert status == 200
        one = balance_from_json(body, number)  # its own cross-checks pass
        assert one.balance == by_number[number].balance
        assert one.shards == by_number[number].shards
        assert one.portfolio_value == Decimal(SAMPLE_PORTFOLIO_VALUES[number]).scaleb(-2)


def test_set_shards_and_portfolio_values_reach_both_endpoints() -> None:
    simulator = KalshiSimulator.demo()
    simulator.set_shards(9, {2: "0.0000001", 0: "-0.0000001"})
    simulator.portfolio_values[9] = -5
    _, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount=9")
    assert body["balance_dollars"] == "0.0000000" and body["balance"] == 0
    assert [row["exchange_index"] for row in body["balance_breakdown"]] == [0, 2]
    assert balance_from_json(body, 9).portfolio_value == Decimal("-0.05")
    _, bulk = simulator_answer(simulator, BULK_TARGET)
    assert [(r["exchange_index"], r["balance"]) for r in bulk["subaccount_balances"][-2:]] == [
        (0, "-0.0000001"),
        (2, "0.0000001"),
    ]
    with pytest.raises(ValueError):
        simulator.set_shards(10, {})


@pytest.mark.parametrize("step", [1, 2, 7])
def test_drift_moves_both_endpoints_together(step: int) -> None:
    simulator = KalshiSimulator.demo()
    simulator.drift(step)
    _, bulk = simulator_answer(simulator, BULK_TARGET)
    drifted = balances_from_json(bulk)
    assert [str(b.balance) for b in drifted] != list(SAMPLE_BALANCES.values())
    for row in drifted:
        assert row.subaccount is not None
        _, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount={row.subaccount}")
        one = balance_from_json(body, row.subaccount)  # cents and breakdown still agree
        assert (one.balance, one.shards) == (row.balance, row.shards)
    simulator.drift(0)
    simulator.drift(step)
    _, again = simulator_answer(simulator, BULK_TARGET)
    assert again == bulk  # the same step gives the same balances


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?subaccount=7", 404, "not_found"),
        ("?subaccount=x", 400, "bad_request"),
        ("?subaccount=-1", 400, "bad_request"),
        ("?subaccount=", 400, "bad_request"),
        ("?subaccount=64", 400, "bad_request"),
        ("?subaccount=1&subaccount=2", 400, "bad_request"),
        ("?subaccount=0&exchange_index=0", 400, "bad_request"),
    ],
)
def test_the_simulator_refuses_like_kalshi(query: str, status: int, code: str) -> None:
    got, body = simulator_answer(KalshiSimulator.demo(), BALANCE_TARGET + query)
    assert got == status
    assert body.keys() == {"code", "message", "details"} and body["code"] == code


def test_the_simulator_defaults_to_the_primary() -> None:
    _, body = simulator_answer(KalshiSimulator.demo(), BALANCE_TARGET)
    assert body["balance_dollars"] == SAMPLE_BALANCES[0]


def test_get_balance_is_signature_checked(sandbox: Sandbox) -> None:
    url = sandbox.url + BALANCE_TARGET + "?subaccount=0"
    assert httpx.get(url).status_code == 401
    signer = sandbox.simulator("kalshi").signer()
    assert httpx.get(url, auth=signer).status_code == 200

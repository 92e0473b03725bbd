"""The master's answers mapped: its own balance, the subaccount list, and the consolidated
balances of the whole master, with everything they must not be trusted with refused."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from venue_balances_coinswitch_dma.models import (
    ConsolidatedBalanceResponse,
    MasterBalanceResponse,
    SubaccountListResponse,
)

from adapter.fields import FieldProblem
from adapter.venues.coinswitch_dma.mapping import (
    consolidated_from_json,
    master_balance_from_json,
    subaccounts_from_json,
)
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS, SAMPLE_MASTER
from tests.reliability import tally


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


def test_coinswitch_repeated_child_is_named_before_its_other_faults() -> None:
    """Row by row, a child repeated is found before its `is_active` is read (found by a
    differential review of the fast path against the precise readers)."""
    account = {"balance_detail": {"totalEquity": "1", "coin": []}}
    body = {
        "data": {
            "balances": [
                {**account, "is_master": True},
                {**account, "subaccount_id": 1},
                {**account, "subaccount_id": 1, "is_active": "yes"},
            ]
        }
    }
    with pytest.raises(FieldProblem) as caught:
        consolidated_from_json(body)
    assert caught.value.field == "data.balances[2]"
    assert "repeats subaccount 1" in caught.value.problem

"""Mapping venue bodies into SubaccountBalance: exact amounts, shards, optional fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from adapter.fields import FieldProblem
from adapter.venues.coinswitch_dma.mapping import balance_from_json
from adapter.venues.kalshi.mapping import balances_from_json
from tests.fake_venues import cs_body, kalshi_row

BAD_NUMERALS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e5",
    "1E5",
    "",
    " 1",
    "1 ",
    "1,000.00",
    "+1",
    ".5",
    "5.",
    "0x10",
    "١٢٣",
    "1_000",
    "--1",
    "1.2.3",
]


@pytest.mark.parametrize("numeral", BAD_NUMERALS)
def test_bad_numerals_are_refused_for_both_venues(numeral: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_json({"subaccount_balances": [kalshi_row(0, numeral)]})
    assert caught.value.field == "subaccount_balances[0].balance"
    body = cs_body(1001)
    body["data"]["balance_detail"]["totalEquity"] = numeral
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(body, 1001)
    assert caught.value.field == "data.balance_detail.totalEquity"


@pytest.mark.parametrize("value", [5000, 5000.5, None, True, ["1"], {"v": "1"}])
def test_non_string_amounts_are_refused(value: Any) -> None:
    from adapter.fields import load_json  # JSON numbers arrive as int or Decimal, never float

    raw = load_json(b'{"v": 5000.5}')["v"]
    assert isinstance(raw, Decimal)
    with pytest.raises(FieldProblem):
        balances_from_json({"subaccount_balances": [kalshi_row(0, value)]})
    body = cs_body(1001)
    body["data"]["balance_detail"]["coin"][0]["walletBalance"] = value
    if value is None:
        assert balance_from_json(body, 1001).assets[0].wallet_balance is None  # optional
    else:
        with pytest.raises(FieldProblem) as caught:
            balance_from_json(body, 1001)
        assert caught.value.field == "data.balance_detail.coin[0].walletBalance"

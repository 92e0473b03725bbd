"""The strict readers of a venue's scalars (`adapter.fields`): numerals, JSON, exact amounts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.fields import NUMERAL, FieldProblem, load_json, numerals
from adapter.venues.coinswitch_dma.mapping import balance_from_json
from adapter.venues.kalshi.mapping import balances_from_json
from tests.fake_venues import FakeVenues, cs_body, kalshi_row
from tests.reliability import tally

FORTY = "1234567890123456789012345678901234.567890"  # 40 digits


def test_forty_digit_amounts_are_exact(make_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = {
        "subaccount_balances": [
            kalshi_row(0, FORTY, exchange_index=0),
            kalshi_row(0, "0.000001", exchange_index=1),
        ]
    }
    body = cs_body(1001, total=FORTY)
    body["data"]["balance_detail"]["coin"][0]["walletBalance"] = "-" + FORTY
    venues.coinswitch[1001] = body
    with make_client() as client:
        [kalshi] = client.kalshi_balances()
        coinswitch = client.coinswitch_balance(1001)
    assert str(kalshi.balance) == "1234567890123456789012345678901234.567891"
    assert str(coinswitch.balance) == FORTY
    assert coinswitch.assets[0].wallet_balance == Decimal("-" + FORTY)
    tally("hostile responses tried", 2)


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
    # JSON numbers arrive as int or Decimal, never float.
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


texts = st.lists(
    st.text(alphabet="0123456789-.\n e+_x", max_size=8) | st.from_regex(NUMERAL, fullmatch=True),
    min_size=1,
    max_size=6,
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(texts)
def test_numerals_at_once_agree_with_one_match_each(values: list[str]) -> None:
    assert numerals(values) == all(NUMERAL.fullmatch(v) is not None for v in values)


@pytest.mark.parametrize(
    "values",
    [["1\n2"], ["1", "2\n3"], ["1\n", "2"], ["1", "\n2"], ["1", ""], ["", "1"], ["1\n\n2"]],
)
def test_a_line_break_inside_a_text_is_not_taken_for_two_numerals(values: list[str]) -> None:
    assert not numerals(values)


def test_a_body_opening_with_a_byte_order_mark_is_refused_as_json_loads_words_it() -> None:
    with pytest.raises(ValueError, match="Unexpected UTF-8 BOM") as caught:
        load_json(b'\xef\xbb\xbf{"a": 1}')
    assert isinstance(caught.value, json.JSONDecodeError)
    with pytest.raises(json.JSONDecodeError) as plain:
        json.loads('\ufeff{"a": 1}')
    assert str(caught.value) == str(plain.value)

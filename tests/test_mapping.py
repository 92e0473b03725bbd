"""Mapping venue bodies into SubaccountBalance: exact amounts, shards, optional fields."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from adapter import AssetBalance, ShardBalance, SubaccountBalance, Venue
from adapter.fields import FieldProblem
from adapter.venues.coinswitch_dma.mapping import balance_from_json
from adapter.venues.kalshi.mapping import balances_from_json, balances_from_rows
from tests.fake_venues import cs_body, edited, kalshi_row


def test_coinswitch_seed_example() -> None:
    balance = balance_from_json(cs_body(1001), 1001)
    assert balance == SubaccountBalance(
        venue=Venue.COINSWITCH_DMA,
        subaccount=1001,
        primary=False,
        currency="USDT",
        balance=Decimal("5000.00"),
        updated_at=None,
        active=True,
        inr_rate=Decimal("84.50"),
        assets=(
            AssetBalance(
                asset="USDT",
                equity=Decimal("5000.00"),
                wallet_balance=Decimal("5000.00"),
                unrealised_pnl=None,
                equity_inr=Decimal("422500.00"),
                wallet_balance_inr=Decimal("422500.00"),
                unrealised_pnl_inr=None,
            ),
        ),
    )
    # Digits are kept, not just the value: "5000.00" stays 5000.00.
    assert str(balance.balance) == "5000.00"
    assert str(balance.assets[0].equity_inr) == "422500.00"


def test_coinswitch_unrealised_pnl_and_two_coins() -> None:
    body = cs_body(1002, total="10500.25")
    body["data"]["balance_detail"]["coin"] = [
        {
            "coin": "USDT",
            "equity": "10500.25",
            "equityINR": "887271.13",
            "walletBalance": "10000.00",
            "walletBalanceINR": "845000.00",
            "unrealisedPnl": "500.25",
            "unrealisedPnlINR": "42271.13",
        },
        {"coin": "BTC", "equity": "0.00012345"},
    ]
    balance = balance_from_json(body, 1002)
    usdt, btc = balance.assets
    assert usdt.unrealised_pnl == Decimal("500.25")
    assert str(usdt.unrealised_pnl_inr) == "42271.13"
    assert btc == AssetBalance(asset="BTC", equity=Decimal("0.00012345"))


def test_coinswitch_many_digits_kept_exactly() -> None:
    body = cs_body(1001, total="123456789012.345678")
    body["data"]["balance_detail"]["coin"][0]["equity"] = (
        "1234567890123456789012345678901234.567890"
    )
    balance = balance_from_json(body, 1001)
    assert str(balance.balance) == "123456789012.345678"
    assert str(balance.assets[0].equity) == "1234567890123456789012345678901234.567890"


def test_coinswitch_extra_keys_and_missing_optionals() -> None:
    body = cs_body(1001)
    data = body["data"]
    data["something_new"] = {"nested": [1, 2]}
    data["balance_detail"]["totalPerpUPL"] = "1.5"
    data["balance_detail"]["coin"][0]["locked"] = "0"
    for key in ("usdt_inr_rate", "is_active", "account_type"):
        del data[key]
    del data["balance_detail"]["totalEquityINR"]
    data["balance_detail"]["coin"][0] = {"coin": "USDT", "equity": "5000.00"}
    balance = balance_from_json(body, 1001)
    assert balance.active is None
    assert balance.inr_rate is None
    assert balance.assets == (AssetBalance(asset="USDT", equity=Decimal("5000.00")),)


def test_coinswitch_nulls_in_optional_fields() -> None:
    body = cs_body(1001, usdt_inr_rate=None, is_active=None)
    body["data"]["balance_detail"]["coin"][0]["walletBalance"] = None
    balance = balance_from_json(body, 1001)
    assert (balance.inr_rate, balance.active, balance.assets[0].wallet_balance) == (None,) * 3


def test_coinswitch_no_coin_rows() -> None:
    body = cs_body(1001)
    del body["data"]["balance_detail"]["coin"]
    assert balance_from_json(body, 1001).assets == ()
    body["data"]["balance_detail"]["coin"] = []
    assert balance_from_json(body, 1001).assets == ()


def test_coinswitch_answer_for_another_subaccount_is_refused() -> None:
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(cs_body(1002), 1001)
    assert caught.value.field == "data.subaccount_id"


def test_kalshi_seed_shape() -> None:
    body = {
        "subaccount_balances": [
            kalshi_row(1, "0.5600", 1763751541),
            kalshi_row(0, "1500.2500", 1763751540),
            kalshi_row(2, "0.123456", 1763751542),
        ]
    }
    balances = balances_from_json(body)
    assert [b.subaccount for b in balances] == [0, 1, 2]
    primary = balances[0]
    assert primary == SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=0,
        primary=True,
        currency="USD",
        balance=Decimal("1500.2500"),
        shards=(ShardBalance(exchange_index=0, balance=Decimal("1500.2500")),),
        updated_at=datetime(2025, 11, 21, 18, 59, tzinfo=UTC),
    )
    assert str(primary.balance) == "1500.2500"
    assert [b.primary for b in balances] == [True, False, False]
    assert str(balances[2].balance) == "0.123456"  # 6 decimals, exact
    assert balances[0].updated_at is not None and balances[0].updated_at.tzinfo is UTC


def test_kalshi_empty_list() -> None:
    assert balances_from_json({"subaccount_balances": []}) == []


def test_kalshi_extra_keys_are_kept_out_of_the_way() -> None:
    row = kalshi_row(0, "10.00", portfolio_value=999, note={"x": 1})
    [balance] = balances_from_json({"subaccount_balances": [row], "cursor": None})
    assert balance.balance == Decimal("10.00")


def test_kalshi_shard_rows_are_summed() -> None:
    rows = [
        kalshi_row(0, "100.10", 1000, exchange_index=0),
        kalshi_row(0, "0.000001", 3000, exchange_index=1),
        kalshi_row(0, "2.5", 2000, exchange_index=2),
        kalshi_row(3, "7.00", 1500, exchange_index=0),
    ]
    balances = balances_from_json({"subaccount_balances": rows})
    assert [(b.subaccount, str(b.balance)) for b in balances] == [(0, "102.600001"), (3, "7.00")]
    assert balances[0].updated_at == datetime.fromtimestamp(3000, UTC)  # the latest
    assert [(s.exchange_index, str(s.balance)) for s in balances[0].shards] == [
        (0, "100.10"),
        (1, "0.000001"),
        (2, "2.5"),
    ]


# Rows without exchange_index (spec 3.8.0) repeating a subaccount: tests/test_spec_revisions.py.
@pytest.mark.parametrize(
    "rows",
    [
        [kalshi_row(1, "1.00"), kalshi_row(1, "2.00")],
        [kalshi_row(1, "1.00", exchange_index=2), kalshi_row(1, "2.00", exchange_index=2)],
    ],
    ids=["default-shard", "same-shard"],
)
def test_kalshi_duplicate_rows_are_refused(rows: list[dict[str, Any]]) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_json({"subaccount_balances": rows})
    assert caught.value.field == "subaccount_balances[1]"
    assert "repeats subaccount 1" in caught.value.problem


def test_kalshi_shard_rows_with_declared_exchange_index() -> None:
    from venue_balances_kalshi.models import SubaccountBalance as Row

    rows = [
        Row.from_dict(raw)
        for raw in (
            kalshi_row(0, "1.25", 10, exchange_index=0),
            kalshi_row(0, "2.50", 30, exchange_index=1),
            kalshi_row(1, "9.999999", 20, exchange_index=0),
        )
    ]
    assert rows[0].exchange_index == 0 and "exchange_index" not in rows[0].additional_properties
    balances = balances_from_rows(rows)
    assert [(b.subaccount, str(b.balance)) for b in balances] == [(0, "3.75"), (1, "9.999999")]
    assert balances[0].updated_at == datetime.fromtimestamp(30, UTC)
    duplicate = [
        rows[0],
        Row.from_dict(kalshi_row(0, "1", 1, exchange_index=0)),
    ]
    with pytest.raises(FieldProblem):
        balances_from_rows(duplicate)


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


KALSHI_SHAPES: list[tuple[Any, str]] = [
    ([], "body"),
    ("text", "body"),
    ({}, "subaccount_balances"),
    ({"subaccount_balances": None}, "subaccount_balances"),
    ({"subaccount_balances": {"0": {}}}, "subaccount_balances"),
    ({"subaccount_balances": ["row"]}, "subaccount_balances[0]"),
    (
        {"subaccount_balances": [{"balance": "1", "updated_ts": 1}]},
        "subaccount_balances[0].subaccount_number",
    ),
    (
        {
            "subaccount_balances": [
                kalshi_row(0, "1"),
                {"subaccount_number": 1, "exchange_index": 0, "updated_ts": 1},
            ]
        },
        "subaccount_balances[1].balance",
    ),
    # Required since spec 3.22.0: a row without it is malformed, not a 3.8.0 row.
    (
        {"subaccount_balances": [kalshi_row(0, "1", exchange_index=...)]},
        "subaccount_balances[0].exchange_index",
    ),
    (
        {"subaccount_balances": [kalshi_row(0, "1"), kalshi_row(1, "1", exchange_index=...)]},
        "subaccount_balances[1].exchange_index",
    ),
    ({"subaccount_balances": [kalshi_row(True, "1")]}, "subaccount_balances[0].subaccount_number"),
    ({"subaccount_balances": [kalshi_row(-1, "1")]}, "subaccount_balances[0].subaccount_number"),
    (
        {"subaccount_balances": [kalshi_row(0, "1", "1763751540")]},
        "subaccount_balances[0].updated_ts",
    ),
    (
        {"subaccount_balances": [kalshi_row(0, "1", Decimal("1.5"))]},
        "subaccount_balances[0].updated_ts",
    ),
    ({"subaccount_balances": [kalshi_row(0, "1", 10**20)]}, "subaccount_balances[0].updated_ts"),
    (
        {"subaccount_balances": [kalshi_row(0, "1", exchange_index="0")]},
        "subaccount_balances[0].exchange_index",
    ),
]


@pytest.mark.parametrize(("body", "field"), KALSHI_SHAPES)
def test_kalshi_wrong_shapes_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_json(body)
    assert caught.value.field == field


def cs_variant(path: str, value: Any) -> dict[str, Any]:
    return edited(cs_body(1001), path, value)


CS_SHAPES: list[tuple[str, Any, str]] = [
    ("data", ..., "data"),
    ("data", None, "data"),
    ("data", [], "data"),
    ("data.balance_detail", ..., "data.balance_detail"),
    ("data.balance_detail", "5000.00", "data.balance_detail"),
    ("data.subaccount_id", ..., "data.subaccount_id"),
    ("data.subaccount_id", "1001", "data.subaccount_id"),
    ("data.balance_detail.totalEquity", ..., "data.balance_detail.totalEquity"),
    ("data.balance_detail.totalEquity", None, "data.balance_detail.totalEquity"),
    ("data.balance_detail.coin", {"coin": "USDT"}, "data.balance_detail.coin"),
    ("data.balance_detail.coin", None, "data.balance_detail.coin"),
    ("data.balance_detail.coin.0", "USDT", "data.balance_detail.coin[0]"),
    ("data.balance_detail.coin.0.equity", ..., "data.balance_detail.coin[0].equity"),
    ("data.balance_detail.coin.0.coin", ..., "data.balance_detail.coin[0].coin"),
    ("data.balance_detail.coin.0.coin", 7, "data.balance_detail.coin[0].coin"),
    ("data.is_active", "yes", "data.is_active"),
    ("data.usdt_inr_rate", 84.5, "data.usdt_inr_rate"),
]


@pytest.mark.parametrize(("path", "value", "field"), CS_SHAPES)
def test_coinswitch_wrong_shapes_name_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(cs_variant(path, value), 1001)
    assert caught.value.field == field


def test_coinswitch_repeated_coin_is_refused() -> None:
    body = cs_body(1001)
    coins = body["data"]["balance_detail"]["coin"]
    coins.append(dict(coins[0], equity="1.00"))
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(body, 1001)
    assert caught.value.field == "data.balance_detail.coin[1]"

"""One CoinSwitch DMA child's balance (Get Subaccount Balance) mapped: exact amounts, every
asset, optional fields, and every wrong shape named."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from adapter import AssetBalance, SubaccountBalance, Venue
from adapter.fields import FieldProblem
from adapter.venues.coinswitch_dma.mapping import balance_from_json
from tests.fake_venues import cs_body, edited


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

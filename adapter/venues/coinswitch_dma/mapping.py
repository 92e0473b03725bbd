"""CoinSwitch DMA answers as balances: `GET /dma/api/v1/master/subaccount/balance`.

The answer must be for the subaccount asked for; its `balance_detail.totalEquity` is the
balance (USDT) and each `coin[]` row an asset.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from venue_balances_coinswitch_dma.models import (
    BalanceDetail,
    CoinBalance,
    ErrorResponse,
    SubaccountBalanceData,
    SubaccountBalanceResponse,
)
from venue_balances_coinswitch_dma.types import Unset

from adapter.domain import AssetBalance, SubaccountBalance, Venue
from adapter.fields import (
    MISSING,
    FieldProblem,
    amount,
    first_text,
    flag,
    integer,
    object_list,
    optional_amount,
    parse_model,
    required_object,
    text,
)

__all__ = ["balance_from_json", "error_message"]

CURRENCY = "USDT"


def balance_from_json(payload: Any, subaccount_id: int) -> SubaccountBalance:
    """The balance of `subaccount_id` from a 200 body."""
    body = required_object(payload, "body")
    data = required_object(body.get("data", MISSING), "data")
    detail = required_object(data.get("balance_detail", MISSING), "data.balance_detail")
    coins = object_list(detail.get("coin", []), "data.balance_detail.coin")
    response = parse_model(
        SubaccountBalanceResponse.from_dict,
        body,
        [
            *(
                (f"data.balance_detail.coin[{i}]", CoinBalance.from_dict, c)
                for i, c in enumerate(coins)
            ),
            ("data.balance_detail", BalanceDetail.from_dict, detail),
            ("data", SubaccountBalanceData.from_dict, data),
        ],
    )
    data_model = response.data
    number = integer(data_model.subaccount_id, "data.subaccount_id", minimum=0)
    if number != subaccount_id:
        raise FieldProblem(
            "data.subaccount_id", f"is {number}, but subaccount {subaccount_id} was asked for"
        )
    detail_model = data_model.balance_detail
    return SubaccountBalance(
        venue=Venue.COINSWITCH_DMA,
        subaccount=number,
        primary=False,
        currency=CURRENCY,
        balance=amount(detail_model.total_equity, "data.balance_detail.totalEquity"),
        active=flag(_present(data_model.is_active), "data.is_active"),
        inr_rate=optional_amount(_present(data_model.usdt_inr_rate), "data.usdt_inr_rate"),
        assets=_assets(detail_model.coin or []),
    )


def _assets(rows: list[CoinBalance]) -> tuple[AssetBalance, ...]:
    assets: dict[str, AssetBalance] = {}
    for index, row in enumerate(rows):
        where = f"data.balance_detail.coin[{index}]"
        asset = text(row.coin, f"{where}.coin")
        if asset in assets:
            raise FieldProblem(where, f"repeats coin {asset!r}: cannot tell which row is right")

        def optional(value: object, key: str) -> Decimal | None:
            return optional_amount(_present(value), f"{where}.{key}")  # noqa: B023

        assets[asset] = AssetBalance(
            asset=asset,
            equity=amount(row.equity, f"{where}.equity"),
            wallet_balance=optional(row.wallet_balance, "walletBalance"),
            unrealised_pnl=optional(row.unrealised_pnl, "unrealisedPnl"),
            equity_inr=optional(row.equity_inr, "equityINR"),
            wallet_balance_inr=optional(row.wallet_balance_inr, "walletBalanceINR"),
            unrealised_pnl_inr=optional(row.unrealised_pnl_inr, "unrealisedPnlINR"),
        )
    return tuple(assets.values())


def _present(value: object) -> object:
    """None for a key the body left out (the generated models' `Unset`)."""
    return None if isinstance(value, Unset) else value


def error_message(payload: Any) -> str | None:
    """The `message` of an error body (or `error`: the 429 body is undocumented)."""
    if not isinstance(payload, dict):
        return None
    error = ErrorResponse.from_dict(payload)
    return first_text(error.message, error.additional_properties.get("error"))

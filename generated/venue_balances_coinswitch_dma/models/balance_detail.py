# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.coin_balance import CoinBalance


T = TypeVar("T", bound="BalanceDetail")


@_attrs_define
class BalanceDetail:
    """Balance structure passed through from the exchange and enriched with INR conversions; keys beyond those listed may
    appear.

        Attributes:
            total_equity (str): Total equity in USDT (decimal string): the wallet balances plus unrealised PnL of every
                coin, each coin valued in USDT. Example: 5000.00.
            total_equity_inr (None | str | Unset): Account equity in INR (decimal string).
            coin (list[CoinBalance] | Unset): One row per coin held.
    """

    total_equity: str
    total_equity_inr: None | str | Unset = UNSET
    coin: list[CoinBalance] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_equity = self.total_equity

        total_equity_inr: None | str | Unset
        if isinstance(self.total_equity_inr, Unset):
            total_equity_inr = UNSET
        else:
            total_equity_inr = self.total_equity_inr

        coin: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.coin, Unset):
            coin = []
            for coin_item_data in self.coin:
                coin_item = coin_item_data.to_dict()
                coin.append(coin_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "totalEquity": total_equity,
            }
        )
        if total_equity_inr is not UNSET:
            field_dict["totalEquityINR"] = total_equity_inr
        if coin is not UNSET:
            field_dict["coin"] = coin

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.coin_balance import CoinBalance

        d = dict(src_dict)
        total_equity = d.pop("totalEquity")

        def _parse_total_equity_inr(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        total_equity_inr = _parse_total_equity_inr(d.pop("totalEquityINR", UNSET))

        _coin = d.pop("coin", UNSET)
        coin: list[CoinBalance] | Unset = UNSET
        if _coin is not UNSET:
            coin = []
            for coin_item_data in _coin:
                coin_item = CoinBalance.from_dict(coin_item_data)

                coin.append(coin_item)

        balance_detail = cls(
            total_equity=total_equity,
            total_equity_inr=total_equity_inr,
            coin=coin,
        )

        balance_detail.additional_properties = d
        return balance_detail

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CoinBalance")


@_attrs_define
class CoinBalance:
    """One coin's balance; keys beyond those listed may appear.

    Attributes:
        coin (str): Coin symbol, e.g. USDT.
        equity (str): Equity in this coin (decimal string).
        equity_inr (None | str | Unset): Equity in INR (decimal string).
        wallet_balance (None | str | Unset): Wallet balance (decimal string).
        wallet_balance_inr (None | str | Unset): Wallet balance in INR (decimal string).
        unrealised_pnl (None | str | Unset): Unrealised profit and loss (decimal string).
        unrealised_pnl_inr (None | str | Unset): Unrealised profit and loss in INR (decimal string).
    """

    coin: str
    equity: str
    equity_inr: None | str | Unset = UNSET
    wallet_balance: None | str | Unset = UNSET
    wallet_balance_inr: None | str | Unset = UNSET
    unrealised_pnl: None | str | Unset = UNSET
    unrealised_pnl_inr: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        coin = self.coin

        equity = self.equity

        equity_inr: None | str | Unset
        if isinstance(self.equity_inr, Unset):
            equity_inr = UNSET
        else:
            equity_inr = self.equity_inr

        wallet_balance: None | str | Unset
        if isinstance(self.wallet_balance, Unset):
            wallet_balance = UNSET
        else:
            wallet_balance = self.wallet_balance

        wallet_balance_inr: None | str | Unset
        if isinstance(self.wallet_balance_inr, Unset):
            wallet_balance_inr = UNSET
        else:
            wallet_balance_inr = self.wallet_balance_inr

        unrealised_pnl: None | str | Unset
        if isinstance(self.unrealised_pnl, Unset):
            unrealised_pnl = UNSET
        else:
            unrealised_pnl = self.unrealised_pnl

        unrealised_pnl_inr: None | str | Unset
        if isinstance(self.unrealised_pnl_inr, Unset):
            unrealised_pnl_inr = UNSET
        else:
            unrealised_pnl_inr = self.unrealised_pnl_inr

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "coin": coin,
                "equity": equity,
            }
        )
        if equity_inr is not UNSET:
            field_dict["equityINR"] = equity_inr
        if wallet_balance is not UNSET:
            field_dict["walletBalance"] = wallet_balance
        if wallet_balance_inr is not UNSET:
            field_dict["walletBalanceINR"] = wallet_balance_inr
        if unrealised_pnl is not UNSET:
            field_dict["unrealisedPnl"] = unrealised_pnl
        if unrealised_pnl_inr is not UNSET:
            field_dict["unrealisedPnlINR"] = unrealised_pnl_inr

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        coin = d.pop("coin")

        equity = d.pop("equity")

        def _parse_equity_inr(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        equity_inr = _parse_equity_inr(d.pop("equityINR", UNSET))

        def _parse_wallet_balance(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        wallet_balance = _parse_wallet_balance(d.pop("walletBalance", UNSET))

        def _parse_wallet_balance_inr(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        wallet_balance_inr = _parse_wallet_balance_inr(d.pop("walletBalanceINR", UNSET))

        def _parse_unrealised_pnl(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        unrealised_pnl = _parse_unrealised_pnl(d.pop("unrealisedPnl", UNSET))

        def _parse_unrealised_pnl_inr(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        unrealised_pnl_inr = _parse_unrealised_pnl_inr(d.pop("unrealisedPnlINR", UNSET))

        coin_balance = cls(
            coin=coin,
            equity=equity,
            equity_inr=equity_inr,
            wallet_balance=wallet_balance,
            wallet_balance_inr=wallet_balance_inr,
            unrealised_pnl=unrealised_pnl,
            unrealised_pnl_inr=unrealised_pnl_inr,
        )

        coin_balance.additional_properties = d
        return coin_balance

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

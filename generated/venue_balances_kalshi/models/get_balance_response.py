# generated — do not edit; written by scripts/regenerate.py from specs/kalshi-get-all-subaccount-balances.yaml, specs/kalshi-get-balance.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.indexed_balance import IndexedBalance


T = TypeVar("T", bound="GetBalanceResponse")


@_attrs_define
class GetBalanceResponse:
    """
    Attributes:
        balance (int): Member's available balance in cents for the requested account and exchange index. It includes all
            exchange indexes when `exchange_index` is omitted.
        balance_dollars (str): Fixed-point US dollar string. Most request fields accept 2-4 decimal places (e.g.,
            "0.56", "0.5600"); responses emit up to 6. Valid quote intervals for a given market are constrained by that
            market's price level structure. Example: 0.5600.
        portfolio_value (int): Member's portfolio value in cents for the requested account and exchange index. It
            includes all exchange indexes when `exchange_index` is omitted.
        updated_ts (int): Unix timestamp of the last update to the balance.
        balance_breakdown (list[IndexedBalance] | Unset): User balance breakdown per exchange instance, omitted only
            when using a subaccount-restricted API key.
    """

    balance: int
    balance_dollars: str
    portfolio_value: int
    updated_ts: int
    balance_breakdown: list[IndexedBalance] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        balance = self.balance

        balance_dollars = self.balance_dollars

        portfolio_value = self.portfolio_value

        updated_ts = self.updated_ts

        balance_breakdown: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.balance_breakdown, Unset):
            balance_breakdown = []
            for balance_breakdown_item_data in self.balance_breakdown:
                balance_breakdown_item = balance_breakdown_item_data.to_dict()
                balance_breakdown.append(balance_breakdown_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "balance": balance,
                "balance_dollars": balance_dollars,
                "portfolio_value": portfolio_value,
                "updated_ts": updated_ts,
            }
        )
        if balance_breakdown is not UNSET:
            field_dict["balance_breakdown"] = balance_breakdown

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.indexed_balance import IndexedBalance

        d = dict(src_dict)
        balance = d.pop("balance")

        balance_dollars = d.pop("balance_dollars")

        portfolio_value = d.pop("portfolio_value")

        updated_ts = d.pop("updated_ts")

        _balance_breakdown = d.pop("balance_breakdown", UNSET)
        balance_breakdown: list[IndexedBalance] | Unset = UNSET
        if _balance_breakdown is not UNSET:
            balance_breakdown = []
            for balance_breakdown_item_data in _balance_breakdown:
                balance_breakdown_item = IndexedBalance.from_dict(
                    balance_breakdown_item_data
                )

                balance_breakdown.append(balance_breakdown_item)

        get_balance_response = cls(
            balance=balance,
            balance_dollars=balance_dollars,
            portfolio_value=portfolio_value,
            updated_ts=updated_ts,
            balance_breakdown=balance_breakdown,
        )

        get_balance_response.additional_properties = d
        return get_balance_response

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

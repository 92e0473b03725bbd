# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.balance_detail import BalanceDetail


T = TypeVar("T", bound="ConsolidatedBalanceEntry")


@_attrs_define
class ConsolidatedBalanceEntry:
    """
    Attributes:
        subaccount_id (int | None): The subaccount, or null on the master account's row (required either way: it tells
            the rows apart).
        balance_detail (BalanceDetail): Balance structure passed through from the exchange and enriched with INR
            conversions; keys beyond those listed may appear.
        is_master (bool | None | Unset): True on the master account's row, null on subaccount rows.
        account_type (None | str | Unset): Exchange account type, e.g. UNIFIED.
        usdt_inr_rate (None | str | Unset): USDT to INR rate used for every *INR amount of this row (decimal string).
            Example: 84.50.
        is_active (bool | None | Unset): Whether the subaccount is active; null on the master account's row.
    """

    subaccount_id: int | None
    balance_detail: BalanceDetail
    is_master: bool | None | Unset = UNSET
    account_type: None | str | Unset = UNSET
    usdt_inr_rate: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subaccount_id: int | None
        subaccount_id = self.subaccount_id

        balance_detail = self.balance_detail.to_dict()

        is_master: bool | None | Unset
        if isinstance(self.is_master, Unset):
            is_master = UNSET
        else:
            is_master = self.is_master

        account_type: None | str | Unset
        if isinstance(self.account_type, Unset):
            account_type = UNSET
        else:
            account_type = self.account_type

        usdt_inr_rate: None | str | Unset
        if isinstance(self.usdt_inr_rate, Unset):
            usdt_inr_rate = UNSET
        else:
            usdt_inr_rate = self.usdt_inr_rate

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "subaccount_id": subaccount_id,
                "balance_detail": balance_detail,
            }
        )
        if is_master is not UNSET:
            field_dict["is_master"] = is_master
        if account_type is not UNSET:
            field_dict["account_type"] = account_type
        if usdt_inr_rate is not UNSET:
            field_dict["usdt_inr_rate"] = usdt_inr_rate
        if is_active is not UNSET:
            field_dict["is_active"] = is_active

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.balance_detail import BalanceDetail

        d = dict(src_dict)

        def _parse_subaccount_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        subaccount_id = _parse_subaccount_id(d.pop("subaccount_id"))

        balance_detail = BalanceDetail.from_dict(d.pop("balance_detail"))

        def _parse_is_master(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_master = _parse_is_master(d.pop("is_master", UNSET))

        def _parse_account_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        account_type = _parse_account_type(d.pop("account_type", UNSET))

        def _parse_usdt_inr_rate(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        usdt_inr_rate = _parse_usdt_inr_rate(d.pop("usdt_inr_rate", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        consolidated_balance_entry = cls(
            subaccount_id=subaccount_id,
            balance_detail=balance_detail,
            is_master=is_master,
            account_type=account_type,
            usdt_inr_rate=usdt_inr_rate,
            is_active=is_active,
        )

        consolidated_balance_entry.additional_properties = d
        return consolidated_balance_entry

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

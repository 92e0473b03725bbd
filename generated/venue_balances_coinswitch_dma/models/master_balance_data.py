# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.balance_detail import BalanceDetail


T = TypeVar("T", bound="MasterBalanceData")


@_attrs_define
class MasterBalanceData:
    """
    Attributes:
        balance_detail (BalanceDetail): Balance structure passed through from the exchange and enriched with INR
            conversions; keys beyond those listed may appear.
        subaccount_id (int | None | Unset): Always null, the master account having no subaccount id here.
        account_type (None | str | Unset): Exchange account type, e.g. UNIFIED.
        usdt_inr_rate (None | str | Unset): USDT to INR rate used for every *INR amount in this response (decimal
            string). Example: 84.50.
        is_active (bool | None | Unset): Not sent for the master account in CoinSwitch's example; null if sent.
    """

    balance_detail: BalanceDetail
    subaccount_id: int | None | Unset = UNSET
    account_type: None | str | Unset = UNSET
    usdt_inr_rate: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        balance_detail = self.balance_detail.to_dict()

        subaccount_id: int | None | Unset
        if isinstance(self.subaccount_id, Unset):
            subaccount_id = UNSET
        else:
            subaccount_id = self.subaccount_id

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
                "balance_detail": balance_detail,
            }
        )
        if subaccount_id is not UNSET:
            field_dict["subaccount_id"] = subaccount_id
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
        balance_detail = BalanceDetail.from_dict(d.pop("balance_detail"))

        def _parse_subaccount_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        subaccount_id = _parse_subaccount_id(d.pop("subaccount_id", UNSET))

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

        master_balance_data = cls(
            balance_detail=balance_detail,
            subaccount_id=subaccount_id,
            account_type=account_type,
            usdt_inr_rate=usdt_inr_rate,
            is_active=is_active,
        )

        master_balance_data.additional_properties = d
        return master_balance_data

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

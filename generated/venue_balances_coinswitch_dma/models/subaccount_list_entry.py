# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubaccountListEntry")


@_attrs_define
class SubaccountListEntry:
    """
    Attributes:
        subaccount_id (int): The account's id; the master account is listed with its own id (while balance answers give
            it a null subaccount_id).
        is_master (bool | None | Unset): True on the master account's own row; the key is left out on subaccount rows.
        is_active (bool | None | Unset): Whether the subaccount is active; the key is left out on the master's row.
    """

    subaccount_id: int
    is_master: bool | None | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subaccount_id = self.subaccount_id

        is_master: bool | None | Unset
        if isinstance(self.is_master, Unset):
            is_master = UNSET
        else:
            is_master = self.is_master

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
            }
        )
        if is_master is not UNSET:
            field_dict["is_master"] = is_master
        if is_active is not UNSET:
            field_dict["is_active"] = is_active

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        subaccount_id = d.pop("subaccount_id")

        def _parse_is_master(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_master = _parse_is_master(d.pop("is_master", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        subaccount_list_entry = cls(
            subaccount_id=subaccount_id,
            is_master=is_master,
            is_active=is_active,
        )

        subaccount_list_entry.additional_properties = d
        return subaccount_list_entry

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

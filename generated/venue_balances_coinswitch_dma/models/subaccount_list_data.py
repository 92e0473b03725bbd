# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.subaccount_list_entry import SubaccountListEntry


T = TypeVar("T", bound="SubaccountListData")


@_attrs_define
class SubaccountListData:
    """
    Attributes:
        subaccounts (list[SubaccountListEntry]): The master account's own row and one row per subaccount.
    """

    subaccounts: list[SubaccountListEntry]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subaccounts = []
        for subaccounts_item_data in self.subaccounts:
            subaccounts_item = subaccounts_item_data.to_dict()
            subaccounts.append(subaccounts_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "subaccounts": subaccounts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subaccount_list_entry import SubaccountListEntry

        d = dict(src_dict)
        subaccounts = []
        _subaccounts = d.pop("subaccounts")
        for subaccounts_item_data in _subaccounts:
            subaccounts_item = SubaccountListEntry.from_dict(subaccounts_item_data)

            subaccounts.append(subaccounts_item)

        subaccount_list_data = cls(
            subaccounts=subaccounts,
        )

        subaccount_list_data.additional_properties = d
        return subaccount_list_data

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

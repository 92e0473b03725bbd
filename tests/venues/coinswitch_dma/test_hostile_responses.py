"""Hostile answers to CoinSwitch DMA's Get Subaccount Balance: each gives the right typed
error, naming venue, endpoint, subaccount and field; nothing else leaves the public API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import adapter
from tests.fake_venues import FakeVenues, cs_body, edited
from tests.hostile import (
    BAD_NUMERALS,
    COMMON,
    Case,
    check_hostile_response,
    check_hostile_responses_async,
    json_reply,
)


def cs_with(path: str, value: Any) -> dict[str, Any]:
    return edited(cs_body(1001), path, value)


COINSWITCH: list[Case] = [
    *COMMON,
    (
        "missing-data",
        json_reply({"message": "success"}),
        adapter.MalformedResponseError,
        "data",
        "missing",
    ),
    (
        "missing-total",
        json_reply(cs_with("data.balance_detail.totalEquity", ...)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "missing",
    ),
    (
        "missing-coin-equity",
        json_reply(cs_with("data.balance_detail.coin.0.equity", ...)),
        adapter.MalformedResponseError,
        "data.balance_detail.coin[0].equity",
        "missing",
    ),
    (
        "null-total",
        json_reply(cs_with("data.balance_detail.totalEquity", None)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "null",
    ),
    (
        "null-subaccount",
        json_reply(cs_with("data.subaccount_id", None)),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "null",
    ),
    (
        "number-for-amount",
        json_reply(cs_with("data.balance_detail.totalEquity", 5000)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "a number",
    ),
    (
        "number-for-rate",
        json_reply(cs_with("data.usdt_inr_rate", 84.5)),
        adapter.MalformedResponseError,
        "data.usdt_inr_rate",
        "a number",
    ),
    (
        "string-for-subaccount",
        json_reply(cs_with("data.subaccount_id", "1001")),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "the string",
    ),
    (
        "object-for-coin-list",
        json_reply(cs_with("data.balance_detail.coin", {"coin": "USDT"})),
        adapter.MalformedResponseError,
        "data.balance_detail.coin",
        "expected an array",
    ),
    (
        "string-for-active",
        json_reply(cs_with("data.is_active", "true")),
        adapter.MalformedResponseError,
        "data.is_active",
        "the string",
    ),
    (
        "another-subaccount",
        json_reply(cs_body(1002)),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "1002",
    ),
    (
        "duplicate-coin",
        json_reply(
            cs_with(
                "data.balance_detail.coin",
                [{"coin": "USDT", "equity": "1"}, {"coin": "USDT", "equity": "2"}],
            )
        ),
        adapter.MalformedResponseError,
        "data.balance_detail.coin[1]",
        "repeats coin",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(cs_with("data.balance_detail.totalEquity", n)),
            adapter.MalformedResponseError,
            "data.balance_detail.totalEquity",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]


@pytest.mark.parametrize(
    ("name", "responder", "error", "field", "fragment"),
    COINSWITCH,
    ids=[case[0] for case in COINSWITCH],
)
def test_hostile_response(
    make_client: Callable[..., adapter.BalanceClient],
    venues: FakeVenues,
    name: str,
    responder: Any,
    error: type[adapter.AdapterError],
    field: str | None,
    fragment: str,
) -> None:
    check_hostile_response(make_client, venues, "coinswitch_dma", responder, error, field, fragment)


def test_hostile_response_async(make_async_client: Any, venues: FakeVenues) -> None:
    """The same catalogue through the async client."""
    check_hostile_responses_async(make_async_client, venues, "coinswitch_dma", COINSWITCH)

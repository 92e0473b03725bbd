"""Hostile answers to Kalshi's two endpoints (the bulk balances, and GetBalance): each gives
the right typed error, naming venue, endpoint, subaccount and field, or the exact right
number; nothing else ever leaves the public API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import adapter
from tests.fake_venues import FakeVenues, kalshi_row
from tests.hostile import (
    BAD_NUMERALS,
    COMMON,
    Case,
    check_hostile_response,
    check_hostile_responses_async,
    json_reply,
    reply,
)
from tests.reliability import tally


def kalshi_with(**row: Any) -> dict[str, Any]:
    base = kalshi_row(0, "10.00")
    base.update(row)
    return {"subaccount_balances": [{k: v for k, v in base.items() if v is not ...}]}


KALSHI: list[Case] = [
    *COMMON,
    (
        "missing-list",
        json_reply({}),
        adapter.MalformedResponseError,
        "subaccount_balances",
        "missing",
    ),
    (
        "object-for-list",
        json_reply({"subaccount_balances": {"0": kalshi_row(0, "1")}}),
        adapter.MalformedResponseError,
        "subaccount_balances",
        "expected an array",
    ),
    (
        "missing-balance",
        json_reply(kalshi_with(balance=...)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "missing",
    ),
    (
        "missing-updated-ts",
        json_reply(kalshi_with(updated_ts=...)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].updated_ts",
        "missing",
    ),
    (
        "null-balance",
        json_reply(kalshi_with(balance=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "null",
    ),
    (
        "null-subaccount",
        json_reply(kalshi_with(subaccount_number=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "null",
    ),
    (
        "number-for-amount",
        json_reply(kalshi_with(balance=10.5)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "a number",
    ),
    (
        "integer-cents-for-amount",
        json_reply(kalshi_with(balance=1050)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "a number",
    ),
    (
        "string-for-updated-ts",
        json_reply(kalshi_with(updated_ts="1763751540")),
        adapter.MalformedResponseError,
        "subaccount_balances[0].updated_ts",
        "the string",
    ),
    (
        "bool-for-subaccount",
        json_reply(kalshi_with(subaccount_number=False)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "a boolean",
    ),
    (
        "duplicate-rows",
        json_reply({"subaccount_balances": [kalshi_row(0, "1"), kalshi_row(0, "2")]}),
        adapter.MalformedResponseError,
        "subaccount_balances[1]",
        "repeats subaccount 0",
    ),
    (
        "duplicate-shard-rows",
        json_reply(
            {
                "subaccount_balances": [
                    kalshi_row(0, "1", exchange_index=0),
                    kalshi_row(0, "1", exchange_index=1),
                    kalshi_row(0, "2", exchange_index=1),
                ]
            }
        ),
        adapter.MalformedResponseError,
        "subaccount_balances[2]",
        "repeats subaccount 0 on exchange_index 1",
    ),
    (
        "subaccount-64",
        json_reply(kalshi_with(subaccount_number=64)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "0-63",
    ),
    (
        "null-exchange-index",
        json_reply(kalshi_with(exchange_index=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].exchange_index",
        "null",
    ),
    (
        "negative-exchange-index",
        json_reply(kalshi_with(exchange_index=-1)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].exchange_index",
        ">= 0",
    ),
    (
        "duplicate-key",
        reply(200, b'{"subaccount_balances": [], "subaccount_balances": []}'),
        adapter.MalformedResponseError,
        None,
        "duplicate key",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(kalshi_with(balance=n)),
            adapter.MalformedResponseError,
            "subaccount_balances[0].balance",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]


def get_balance_with(**fields: Any) -> dict[str, Any]:
    """A consistent GetBalance body of 12.349 dollars, with fields replaced (`...` drops)."""
    body = {
        "balance": 1234,
        "balance_dollars": "12.349",
        "portfolio_value": 12345,
        "updated_ts": 1763751540,
        "balance_breakdown": [
            {"exchange_index": 0, "balance": "12.00"},
            {"exchange_index": 1, "balance": "0.349"},
        ],
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


def breakdown(*shards: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"exchange_index": index, "balance": dollars} for index, dollars in shards]


# Kalshi's GetBalance, read by kalshi_balance(3).
KALSHI_GET_BALANCE: list[Case] = [
    *COMMON,
    (
        "not-found",
        json_reply({"code": "not_found", "message": "subaccount not found", "details": ""}, 404),
        adapter.NotFoundError,
        None,
        "subaccount not found",
    ),
    (
        "missing-dollars",
        json_reply(get_balance_with(balance_dollars=...)),
        adapter.MalformedResponseError,
        "balance_dollars",
        "missing",
    ),
    (
        "cents-rounded-not-truncated",
        json_reply(get_balance_with(balance=1235)),
        adapter.MalformedResponseError,
        "balance",
        "disagrees with balance_dollars",
    ),
    (
        "dollars-given-as-cents",
        json_reply(get_balance_with(balance=12)),
        adapter.MalformedResponseError,
        "balance",
        "disagrees with balance_dollars",
    ),
    (
        "string-cents",
        json_reply(get_balance_with(balance="1234")),
        adapter.MalformedResponseError,
        "balance",
        "the string",
    ),
    (
        "bool-cents",
        json_reply(get_balance_with(balance=True)),
        adapter.MalformedResponseError,
        "balance",
        "a boolean",
    ),
    (
        "missing-portfolio-value",
        json_reply(get_balance_with(portfolio_value=...)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "missing",
    ),
    (
        "dollar-string-portfolio-value",
        json_reply(get_balance_with(portfolio_value="123.45")),
        adapter.MalformedResponseError,
        "portfolio_value",
        "the string",
    ),
    (
        "fractional-portfolio-value",
        json_reply(get_balance_with(portfolio_value=123.45)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "a number",
    ),
    (
        "null-portfolio-value",
        json_reply(get_balance_with(portfolio_value=None)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "null",
    ),
    (
        "shards-short-by-a-millionth",
        json_reply(get_balance_with(balance_breakdown=breakdown((0, "12.00"), (1, "0.348999")))),
        adapter.MalformedResponseError,
        "balance_breakdown",
        "add up to",
    ),
    (
        "repeated-shard",
        json_reply(get_balance_with(balance_breakdown=breakdown((1, "12.00"), (1, "0.349")))),
        adapter.MalformedResponseError,
        "balance_breakdown[1]",
        "repeats exchange_index 1",
    ),
    (
        "null-shard-index",
        json_reply(get_balance_with(balance_breakdown=breakdown((None, "12.349")))),
        adapter.MalformedResponseError,
        "balance_breakdown[0].exchange_index",
        "null",
    ),
    (
        "null-breakdown",
        json_reply(get_balance_with(balance_breakdown=None)),
        adapter.MalformedResponseError,
        "balance_breakdown",
        "null",
    ),
    (
        "cents-in-breakdown",
        json_reply(get_balance_with(balance_breakdown=breakdown((0, 1234)))),
        adapter.MalformedResponseError,
        "balance_breakdown[0].balance",
        "a number",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(get_balance_with(balance_dollars=n)),
            adapter.MalformedResponseError,
            "balance_dollars",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]


@pytest.mark.parametrize(
    ("name", "responder", "error", "field", "fragment"),
    KALSHI,
    ids=[case[0] for case in KALSHI],
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
    check_hostile_response(make_client, venues, "kalshi", responder, error, field, fragment)


def test_hostile_response_async(make_async_client: Any, venues: FakeVenues) -> None:
    """The same catalogue through the async client."""
    check_hostile_responses_async(make_async_client, venues, "kalshi", KALSHI)


@pytest.mark.parametrize(
    ("name", "responder", "error", "field", "fragment"),
    KALSHI_GET_BALANCE,
    ids=[case[0] for case in KALSHI_GET_BALANCE],
)
def test_hostile_get_balance(
    make_client: Callable[..., adapter.BalanceClient],
    venues: FakeVenues,
    name: str,
    responder: Any,
    error: type[adapter.AdapterError],
    field: str | None,
    fragment: str,
) -> None:
    venues.kalshi_balance[3] = responder
    with make_client(max_retries=1) as client:
        try:
            result = client.kalshi_balance(3)
        except adapter.AdapterError as caught:
            failure = caught
        except BaseException as escaped:  # the point of the test
            pytest.fail(f"{type(escaped).__name__} escaped the public API: {escaped}")
        else:
            pytest.fail(f"no error for a hostile response; got {result!r}")
    assert type(failure) is error
    assert (failure.venue, failure.endpoint, failure.subaccount) == (
        "kalshi",
        "GET /portfolio/balance",
        3,
    )
    assert fragment in failure.message, failure.message
    if field is not None:
        assert isinstance(failure, adapter.MalformedResponseError)
        assert failure.field == field
        assert field in str(failure)
    tally("hostile responses tried")


def test_hostile_get_balance_async(make_async_client: Any, venues: FakeVenues) -> None:
    """The GetBalance catalogue through the async client."""

    async def main() -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        async with make_async_client(max_retries=1) as client:
            for _, responder, *_ in KALSHI_GET_BALANCE:
                venues.kalshi_balance[3] = responder
                try:
                    await client.kalshi_balance(3)
                    outcomes.append(None)
                except BaseException as exc:
                    outcomes.append(exc)
        return outcomes

    for (name, _, error, field, fragment), outcome in zip(
        KALSHI_GET_BALANCE, asyncio.run(main()), strict=True
    ):
        assert type(outcome) is error, (name, outcome)
        assert isinstance(outcome, adapter.AdapterError) and outcome.subaccount == 3
        assert fragment in outcome.message, (name, outcome.message)
        assert field is None or getattr(outcome, "field", None) == field
        tally("hostile responses tried")

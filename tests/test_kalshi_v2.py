"""Kalshi under spec 3.28.0: cash per exchange shard, and what the positions are worth.

The bulk endpoint's rows keep their per-shard figures; GetBalance (`/portfolio/balance`)
adds `portfolio_value` (integer cents, exact dollars) and is checked against itself.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from conftest import FakeVenues, kalshi_row

import adapter
from adapter import ShardBalance
from adapter.fields import FieldProblem
from adapter.venues.kalshi.mapping import balances_from_json

# The bulk endpoint ------------------------------------------------------------------------


def test_a_master_with_64_subaccounts_on_4_shards_maps_exactly() -> None:
    # Every figure has different digits, so a sum that dropped or rounded one would show.
    figures = {
        (number, shard): f"{number + 1}{shard}.{shard}{number:02d}{'7' * shard}"
        for number in range(64)
        for shard in range(4)
    }
    rows = [
        kalshi_row(number, dollars, 1763751540 + number * 4 + shard, exchange_index=shard)
        for (number, shard), dollars in figures.items()
    ]
    random.Random(2026).shuffle(rows)
    assert len(rows) == 256

    balances = balances_from_json({"subaccount_balances": rows})

    assert [b.subaccount for b in balances] == list(range(64))
    for balance in balances:
        number = balance.subaccount
        assert number is not None
        own = [Decimal(figures[number, shard]) for shard in range(4)]
        expected = own[0] + own[1] + own[2] + own[3]  # few digits: exact in any context
        assert balance.balance == expected
        assert balance.balance.as_tuple() == expected.as_tuple()
        assert balance.shards == tuple(
            ShardBalance(exchange_index=shard, balance=own[shard]) for shard in range(4)
        )
        assert [str(s.balance) for s in balance.shards] == [
            figures[number, shard] for shard in range(4)
        ]
        assert balance.updated_at == datetime.fromtimestamp(1763751540 + number * 4 + 3, UTC)
        assert balance.primary == (number == 0)


def test_shards_are_sorted_and_a_shortfall_is_kept() -> None:
    rows = [
        kalshi_row(1, "-5.00", exchange_index=3),
        kalshi_row(1, "325.75", exchange_index=0),
        kalshi_row(1, "0", exchange_index=1),
    ]
    [balance] = balances_from_json({"subaccount_balances": rows})
    assert str(balance.balance) == "320.75"
    assert [(s.exchange_index, str(s.balance)) for s in balance.shards] == [
        (0, "325.75"),
        (1, "0"),
        (3, "-5.00"),
    ]


@pytest.mark.parametrize(
    ("rows", "field", "fragment"),
    [
        (
            [kalshi_row(n, "1") for n in (0, 1, 2)] + [kalshi_row(64, "1")],
            "subaccount_balances[3].subaccount_number",
            "0-63, got 64",
        ),
        (
            [kalshi_row(10**30, "1")],
            "subaccount_balances[0].subaccount_number",
            "0-63",
        ),
        (
            [kalshi_row(0, "1"), kalshi_row(5, "1"), kalshi_row(5, "2")],
            "subaccount_balances[2]",
            "repeats subaccount 5 on exchange_index 0",
        ),
        (
            [kalshi_row(5, "1", exchange_index=2), kalshi_row(5, "2", exchange_index=2)],
            "subaccount_balances[1]",
            "repeats subaccount 5 on exchange_index 2",
        ),
        (
            [kalshi_row(0, "1"), kalshi_row(1, "1", exchange_index=None)],
            "subaccount_balances[1].exchange_index",
            "expected an integer, got null",
        ),
        (
            [kalshi_row(0, "1", exchange_index=-1)],
            "subaccount_balances[0].exchange_index",
            ">= 0",
        ),
        (
            [kalshi_row(0, "1", exchange_index=1.0)],
            "subaccount_balances[0].exchange_index",
            "a number",
        ),
        (
            [kalshi_row(0, "1", exchange_index=True)],
            "subaccount_balances[0].exchange_index",
            "a boolean",
        ),
    ],
    ids=[
        "subaccount-64",
        "subaccount-huge",
        "repeated-shard-0",
        "repeated-shard-2",
        "null-exchange-index",
        "negative-exchange-index",
        "float-exchange-index",
        "bool-exchange-index",
    ],
)
def test_malformed_bulk_rows_are_refused_naming_the_row(
    rows: list[dict[str, Any]], field: str, fragment: str
) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_json({"subaccount_balances": rows})
    assert caught.value.field == field
    assert fragment in caught.value.problem


def test_subaccount_63_is_the_last_one() -> None:
    [balance] = balances_from_json({"subaccount_balances": [kalshi_row(63, "1.00")]})
    assert balance.subaccount == 63 and not balance.primary


def test_a_malformed_bulk_row_reaches_the_caller_as_malformed(
    make_client: Any, venues: FakeVenues
) -> None:
    venues.kalshi = {"subaccount_balances": [kalshi_row(0, "1"), kalshi_row(64, "1")]}
    with make_client() as client, pytest.raises(adapter.MalformedResponseError) as caught:
        client.kalshi_balances()
    assert caught.value.field == "subaccount_balances[1].subaccount_number"
    assert caught.value.venue == "kalshi"
    assert caught.value.endpoint == "GET /portfolio/subaccounts/balances"

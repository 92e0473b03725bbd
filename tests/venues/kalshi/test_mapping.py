"""Kalshi's bulk answer (`GET /portfolio/subaccounts/balances`) as balances: rows summed
per subaccount across exchange shards, exactly, and every malformed row named."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import adapter
from adapter import ShardBalance, SubaccountBalance, Venue
from adapter.fields import FieldProblem
from adapter.venues.kalshi.mapping import balances_from_json, balances_from_rows
from tests.fake_venues import FakeVenues, kalshi_row


def test_kalshi_seed_shape() -> None:
    body = {
        "subaccount_balances": [
            kalshi_row(1, "0.5600", 1763751541),
            kalshi_row(0, "1500.2500", 1763751540),
            kalshi_row(2, "0.123456", 1763751542),
        ]
    }
    balances = balances_from_json(body)
    assert [b.subaccount for b in balances] == [0, 1, 2]
    primary = balances[0]
    assert primary == SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=0,
        primary=True,
        currency="USD",
        balance=Decimal("1500.2500"),
        shards=(ShardBalance(exchange_index=0, balance=Decimal("1500.2500")),),
        updated_at=datetime(2025, 11, 21, 18, 59, tzinfo=UTC),
    )
    assert str(primary.balance) == "1500.2500"
    assert [b.primary for b in balances] == [True, False, False]
    assert str(balances[2].balance) == "0.123456"  # 6 decimals, exact
    assert balances[0].updated_at is not None and balances[0].updated_at.tzinfo is UTC


def test_kalshi_empty_list() -> None:
    assert balances_from_json({"subaccount_balances": []}) == []


def test_kalshi_extra_keys_are_kept_out_of_the_way() -> None:
    row = kalshi_row(0, "10.00", portfolio_value=999, note={"x": 1})
    [balance] = balances_from_json({"subaccount_balances": [row], "cursor": None})
    assert balance.balance == Decimal("10.00")


def test_kalshi_shard_rows_are_summed() -> None:
    rows = [
        kalshi_row(0, "100.10", 1000, exchange_index=0),
        kalshi_row(0, "0.000001", 3000, exchange_index=1),
        kalshi_row(0, "2.5", 2000, exchange_index=2),
        kalshi_row(3, "7.00", 1500, exchange_index=0),
    ]
    balances = balances_from_json({"subaccount_balances": rows})
    assert [(b.subaccount, str(b.balance)) for b in balances] == [(0, "102.600001"), (3, "7.00")]
    assert balances[0].updated_at == datetime.fromtimestamp(3000, UTC)  # the latest
    assert [(s.exchange_index, str(s.balance)) for s in balances[0].shards] == [
        (0, "100.10"),
        (1, "0.000001"),
        (2, "2.5"),
    ]


def test_kalshi_shard_rows_with_declared_exchange_index() -> None:
    from venue_balances_kalshi.models import SubaccountBalance as Row

    rows = [
        Row.from_dict(raw)
        for raw in (
            kalshi_row(0, "1.25", 10, exchange_index=0),
            kalshi_row(0, "2.50", 30, exchange_index=1),
            kalshi_row(1, "9.999999", 20, exchange_index=0),
        )
    ]
    assert rows[0].exchange_index == 0 and "exchange_index" not in rows[0].additional_properties
    balances = balances_from_rows(rows)
    assert [(b.subaccount, str(b.balance)) for b in balances] == [(0, "3.75"), (1, "9.999999")]
    assert balances[0].updated_at == datetime.fromtimestamp(30, UTC)
    duplicate = [
        rows[0],
        Row.from_dict(kalshi_row(0, "1", 1, exchange_index=0)),
    ]
    with pytest.raises(FieldProblem):
        balances_from_rows(duplicate)


KALSHI_SHAPES: list[tuple[Any, str]] = [
    ([], "body"),
    ("text", "body"),
    ({}, "subaccount_balances"),
    ({"subaccount_balances": None}, "subaccount_balances"),
    ({"subaccount_balances": {"0": {}}}, "subaccount_balances"),
    ({"subaccount_balances": ["row"]}, "subaccount_balances[0]"),
    (
        {"subaccount_balances": [{"balance": "1", "updated_ts": 1}]},
        "subaccount_balances[0].subaccount_number",
    ),
    (
        {
            "subaccount_balances": [
                kalshi_row(0, "1"),
                {"subaccount_number": 1, "exchange_index": 0, "updated_ts": 1},
            ]
        },
        "subaccount_balances[1].balance",
    ),
    # Required since spec 3.22.0: a row without it is malformed, not a 3.8.0 row.
    (
        {"subaccount_balances": [kalshi_row(0, "1", exchange_index=...)]},
        "subaccount_balances[0].exchange_index",
    ),
    (
        {"subaccount_balances": [kalshi_row(0, "1"), kalshi_row(1, "1", exchange_index=...)]},
        "subaccount_balances[1].exchange_index",
    ),
    ({"subaccount_balances": [kalshi_row(True, "1")]}, "subaccount_balances[0].subaccount_number"),
    ({"subaccount_balances": [kalshi_row(-1, "1")]}, "subaccount_balances[0].subaccount_number"),
    (
        {"subaccount_balances": [kalshi_row(0, "1", "1763751540")]},
        "subaccount_balances[0].updated_ts",
    ),
    (
        {"subaccount_balances": [kalshi_row(0, "1", Decimal("1.5"))]},
        "subaccount_balances[0].updated_ts",
    ),
    ({"subaccount_balances": [kalshi_row(0, "1", 10**20)]}, "subaccount_balances[0].updated_ts"),
    (
        {"subaccount_balances": [kalshi_row(0, "1", exchange_index="0")]},
        "subaccount_balances[0].exchange_index",
    ),
]


@pytest.mark.parametrize(("body", "field"), KALSHI_SHAPES)
def test_kalshi_wrong_shapes_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_json(body)
    assert caught.value.field == field


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


# Rows without exchange_index (spec 3.8.0) repeating a subaccount:
# tests/specs/test_spec_revisions.py.
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


def test_kalshi_reports_the_first_bad_row_in_order_whatever_the_kind_of_fault() -> None:
    """The fast path finds numerals and repeated shards after reading every row; what it
    reports must still be the first row at fault, as a row-by-row reading would."""
    late_type = kalshi_row(3, "1.00", updated_ts="x")  # a later row, faulty in another way
    cases = [
        ([kalshi_row(0, "1e5"), late_type], "subaccount_balances[0].balance"),
        ([kalshi_row(0, "1"), kalshi_row(0, "2"), late_type], "subaccount_balances[1]"),
        ([kalshi_row(0, "1"), late_type, kalshi_row(0, "2")], "subaccount_balances[1].updated_ts"),
        (
            [
                kalshi_row(1, "1", exchange_index=2),
                kalshi_row(1, "1", exchange_index=0),
                kalshi_row(1, "1", exchange_index=2),
                kalshi_row(2, "NaN"),
            ],
            "subaccount_balances[2]",
        ),
    ]
    for rows, field in cases:
        with pytest.raises(FieldProblem) as caught:
            balances_from_json({"subaccount_balances": rows})
        assert caught.value.field == field, rows


def test_kalshi_shards_out_of_order_are_sorted_and_summed_exactly() -> None:
    rows = [
        kalshi_row(5, "0.0001", 10, exchange_index=3),
        kalshi_row(5, "-2.5", 40, exchange_index=0),
        kalshi_row(5, "1000000000000000000000000000000.1", 20, exchange_index=1),
    ]
    [balance] = balances_from_json({"subaccount_balances": rows})
    assert [s.exchange_index for s in balance.shards] == [0, 1, 3]
    assert str(balance.balance) == "999999999999999999999999999997.6001"
    assert balance.updated_at == datetime.fromtimestamp(40, UTC)


def test_an_exchange_index_past_int64_is_malformed() -> None:
    row = {"subaccount_number": 0, "exchange_index": 2**63, "balance": "1.00", "updated_ts": 1}
    with pytest.raises(FieldProblem) as caught:
        balances_from_json({"subaccount_balances": [row]})
    assert caught.value.field == "subaccount_balances[0].exchange_index"
    row["exchange_index"] = 2**63 - 1
    assert (
        balances_from_json({"subaccount_balances": [row]})[0].shards[0].exchange_index == 2**63 - 1
    )

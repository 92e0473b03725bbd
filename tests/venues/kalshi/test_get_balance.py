"""Kalshi's GetBalance (`GET /portfolio/balance`, spec 3.28.0) mapped and requested.

It adds `portfolio_value` (integer cents, exact dollars) to the cash per exchange shard the
bulk endpoint gives, and is checked against itself: cents against dollars, shards against
their total.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import adapter
from adapter import ShardBalance
from adapter.fields import FieldProblem
from adapter.venues.kalshi import endpoints
from adapter.venues.kalshi.mapping import balance_from_json
from tests.fake_venues import FakeVenues, edited

# GetBalance: one subaccount's figures ----------------------------------------------------


def get_balance_body(
    dollars: str = "1500.2500",
    cents: int | None = None,
    portfolio: int = 12345,
    breakdown: Any = ...,
    ts: int = 1763751540,
) -> dict[str, Any]:
    """A GetBalance 200 body: the cents are the dollars truncated (computed here without
    the adapter's code) unless given; the breakdown is the whole cash on shard 0 unless
    given, and left out when `breakdown` is None."""
    if cents is None:
        whole, _, fraction = dollars.lstrip("-").partition(".")
        cents = int(whole + (fraction + "00")[:2]) * (-1 if dollars.startswith("-") else 1)
    body: dict[str, Any] = {
        "balance": cents,
        "balance_dollars": dollars,
        "portfolio_value": portfolio,
        "updated_ts": ts,
        "balance_breakdown": [{"exchange_index": 0, "balance": dollars}],
    }
    if breakdown is None:
        del body["balance_breakdown"]
    elif breakdown is not ...:
        body["balance_breakdown"] = breakdown
    return body


@pytest.mark.parametrize(
    ("cents", "dollars"),
    [
        (12345, "123.45"),
        (-5, "-0.05"),
        (0, "0.00"),
        (7, "0.07"),
        (-100, "-1.00"),
        (10**40 + 1, "100000000000000000000000000000000000000.01"),
    ],
)
def test_portfolio_value_cents_become_exact_dollars(cents: int, dollars: str) -> None:
    balance = balance_from_json(get_balance_body("1.00", portfolio=cents), 4)
    assert balance.portfolio_value is not None
    assert str(balance.portfolio_value) == dollars  # two places, every digit
    assert balance.portfolio_value.as_tuple() == Decimal(dollars).as_tuple()


def test_the_documented_example_maps_exactly() -> None:
    body = {
        "balance": 56,
        "balance_dollars": "0.5600",
        "portfolio_value": 123,
        "updated_ts": 1763751540,
        "balance_breakdown": [{"exchange_index": 0, "balance": "0.5600"}],
    }
    assert balance_from_json(body, 0) == adapter.SubaccountBalance(
        venue=adapter.Venue.KALSHI,
        subaccount=0,
        primary=True,
        currency="USD",
        balance=Decimal("0.5600"),
        portfolio_value=Decimal("1.23"),
        shards=(ShardBalance(exchange_index=0, balance=Decimal("0.5600")),),
        updated_at=datetime(2025, 11, 21, 18, 59, tzinfo=UTC),
    )
    assert str(balance_from_json(body, 0).balance) == "0.5600"


def test_cash_keeps_the_dollar_digits_and_shards_are_sorted() -> None:
    body = get_balance_body(
        "320.750001",
        breakdown=[
            {"exchange_index": 3, "balance": "-5.00"},
            {"exchange_index": 0, "balance": "325.750001"},
        ],
    )
    balance = balance_from_json(body, 1)
    assert str(balance.balance) == "320.750001"
    assert (balance.subaccount, balance.primary) == (1, False)
    assert [(s.exchange_index, str(s.balance)) for s in balance.shards] == [
        (0, "325.750001"),
        (3, "-5.00"),
    ]


def test_no_breakdown_means_no_shards() -> None:
    # Kalshi leaves it out for keys restricted to one subaccount.
    assert balance_from_json(get_balance_body("5.00", breakdown=None), 2).shards == ()
    assert balance_from_json(get_balance_body("0", cents=0, breakdown=[]), 2).shards == ()


@pytest.mark.parametrize(
    ("dollars", "cents"),
    [
        ("12.349", 1234),
        ("12.34", 1234),
        ("-12.349", -1234),
        ("-0.005", 0),
        ("0.009999", 0),
        ("5", 500),
        ("-0", 0),
        ("1" * 45 + ".999999", int("1" * 45 + "99")),
    ],
)
def test_cents_that_are_the_dollars_truncated_agree(dollars: str, cents: int) -> None:
    body = get_balance_body(dollars, cents=cents)
    assert balance_from_json(body, 0).balance == Decimal(dollars)


@pytest.mark.parametrize(
    ("dollars", "cents"),
    [
        ("12.349", 1235),  # rounded, not truncated
        ("12.349", 1233),
        ("-12.349", -1235),  # truncated away from zero
        ("-0.005", -1),
        ("0.01", 0),
        ("5", 5),  # dollars taken for cents
        ("1" * 45 + ".999999", int("1" * 45 + "98")),
    ],
)
def test_cents_that_disagree_with_the_dollars_are_malformed(dollars: str, cents: int) -> None:
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(get_balance_body(dollars, cents=cents), 0)
    assert caught.value.field == "balance"
    assert "balance_dollars" in caught.value.problem


def test_a_breakdown_that_adds_up_exactly_is_kept() -> None:
    body = get_balance_body(
        "1500.2500",
        breakdown=[
            {"exchange_index": 1, "balance": "500.00"},
            {"exchange_index": 0, "balance": "1000.2500"},
        ],
    )
    assert balance_from_json(body, 0).shards == (
        ShardBalance(exchange_index=0, balance=Decimal("1000.2500")),
        ShardBalance(exchange_index=1, balance=Decimal("500.00")),
    )


@pytest.mark.parametrize(
    "breakdown",
    [
        [{"exchange_index": 0, "balance": "1000.2500"}],
        [
            {"exchange_index": 0, "balance": "1000.2500"},
            {"exchange_index": 1, "balance": "500.000001"},
        ],
        [
            {"exchange_index": 0, "balance": "1000.2500"},
            {"exchange_index": 1, "balance": "-500.00"},
        ],
        [],
    ],
    ids=["missing-shard", "off-by-a-millionth", "wrong-sign", "empty"],
)
def test_a_breakdown_that_does_not_add_up_is_malformed(breakdown: list[Any]) -> None:
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(get_balance_body("1500.2500", breakdown=breakdown), 0)
    assert caught.value.field == "balance_breakdown"
    assert "1500.2500" in caught.value.problem


def edited_balance(path: str, value: Any) -> dict[str, Any]:
    return edited(get_balance_body(), path, value)


GET_BALANCE_SHAPES: list[tuple[Any, str, str]] = [
    ([], "body", "an array"),
    (edited_balance("balance", ...), "balance", "missing"),
    (edited_balance("balance", True), "balance", "a boolean"),
    (edited_balance("balance", "150025"), "balance", "the string"),
    (edited_balance("balance", Decimal("150025.0")), "balance", "a number"),
    (edited_balance("balance", None), "balance", "null"),
    (edited_balance("balance_dollars", ...), "balance_dollars", "missing"),
    (edited_balance("balance_dollars", Decimal("1500.25")), "balance_dollars", "a number"),
    (edited_balance("balance_dollars", "1.5e3"), "balance_dollars", "decimal string"),
    (edited_balance("balance_dollars", " 1500.2500"), "balance_dollars", "decimal string"),
    (edited_balance("portfolio_value", ...), "portfolio_value", "missing"),
    (edited_balance("portfolio_value", "123.45"), "portfolio_value", "the string"),
    (edited_balance("portfolio_value", Decimal("123.45")), "portfolio_value", "a number"),
    (edited_balance("portfolio_value", False), "portfolio_value", "a boolean"),
    (edited_balance("portfolio_value", None), "portfolio_value", "null"),
    (edited_balance("updated_ts", ...), "updated_ts", "missing"),
    (edited_balance("updated_ts", -1), "updated_ts", ">= 0"),
    (edited_balance("updated_ts", 10**20), "updated_ts", "out of range"),
    (edited_balance("balance_breakdown", None), "balance_breakdown", "null"),
    (edited_balance("balance_breakdown", {"0": "1"}), "balance_breakdown", "an object"),
    (edited_balance("balance_breakdown.0", "1500.2500"), "balance_breakdown[0]", "the string"),
    (
        edited_balance("balance_breakdown.0.balance", ...),
        "balance_breakdown[0].balance",
        "missing",
    ),
    (
        edited_balance("balance_breakdown.0.exchange_index", ...),
        "balance_breakdown[0].exchange_index",
        "missing",
    ),
    (
        edited_balance("balance_breakdown.0.exchange_index", None),
        "balance_breakdown[0].exchange_index",
        "null",
    ),
    (
        edited_balance("balance_breakdown.0.exchange_index", -1),
        "balance_breakdown[0].exchange_index",
        ">= 0",
    ),
    (
        edited_balance("balance_breakdown.0.exchange_index", "0"),
        "balance_breakdown[0].exchange_index",
        "the string",
    ),
    (
        edited_balance("balance_breakdown.0.balance", 1500.25),
        "balance_breakdown[0].balance",
        "a number",
    ),
    (
        edited_balance("balance_breakdown.0.balance", "1,500.25"),
        "balance_breakdown[0].balance",
        "decimal string",
    ),
    (
        get_balance_body(
            "2.00",
            breakdown=[
                {"exchange_index": 1, "balance": "1.00"},
                {"exchange_index": 1, "balance": "1.00"},
            ],
        ),
        "balance_breakdown[1]",
        "repeats exchange_index 1",
    ),
]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    GET_BALANCE_SHAPES,
    ids=[f"{field}-{i}" for i, (_, field, _) in enumerate(GET_BALANCE_SHAPES)],
)
def test_malformed_get_balance_names_the_field(body: Any, field: str, fragment: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        balance_from_json(body, 0)
    assert caught.value.field == field
    assert fragment in caught.value.problem, caught.value.problem


def test_a_numeral_past_the_default_decimal_exponent_range_is_exact(
    make_client: Any, venues: FakeVenues
) -> None:
    # Fits in a 1 MiB body, yet lies below the default context's smallest exponent: moving
    # its point to count cents must neither round nor raise an ArithmeticError.
    tiny = "-0." + "0" * 1_040_000 + "1"
    venues.kalshi_balance[1] = get_balance_body(tiny, cents=0, breakdown=None)
    with make_client() as client:
        balance = client.kalshi_balance(1)
    assert balance.balance == Decimal(tiny) and balance.balance.adjusted() == -1_040_001
    shards = [{"exchange_index": 0, "balance": tiny}, {"exchange_index": 1, "balance": "0"}]
    in_shards = balance_from_json(get_balance_body(tiny, cents=0, breakdown=shards), 1)
    assert in_shards.shards[0].balance == Decimal(tiny)
    venues.kalshi_balance[1] = get_balance_body(tiny, cents=-1, breakdown=None)
    with make_client() as client, pytest.raises(adapter.MalformedResponseError) as caught:
        client.kalshi_balance(1)
    assert caught.value.field == "balance"


def test_extra_keys_in_get_balance_are_kept_out_of_the_way() -> None:
    body = {**get_balance_body(), "portfolio_value_dollars": "999.99", "note": {"x": 1}}
    assert balance_from_json(body, 0).portfolio_value == Decimal("123.45")


# GetBalance: the request -----------------------------------------------------------------


@pytest.mark.parametrize("number", [0, 1, 63])
def test_get_balance_always_names_the_subaccount_and_never_a_shard(number: int) -> None:
    call = endpoints.balance("us-fund", number)
    assert call.account == "us-fund"
    assert call.request == {
        "method": "get",
        "url": "/portfolio/balance",
        "params": {"subaccount": number},
    }
    assert (call.venue, call.endpoint, call.subaccount) == (
        "kalshi",
        "GET /portfolio/balance",
        number,
    )


@pytest.mark.parametrize("value", [-1, 64, 10**20, True, False, "3", 3.0, None, Decimal(3)])
def test_a_number_that_is_not_a_subaccount_is_a_bad_request(value: Any) -> None:
    with pytest.raises(adapter.BadRequestError) as caught:
        endpoints.balance("us-fund", value)
    error = caught.value
    assert (error.venue, error.endpoint, error.status) == ("kalshi", "GET /portfolio/balance", None)
    assert error.account == "us-fund"
    assert "0-63" in error.message

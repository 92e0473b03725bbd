"""Kalshi under spec 3.28.0: cash per exchange shard, and what the positions are worth.

The bulk endpoint's rows keep their per-shard figures; GetBalance (`/portfolio/balance`)
adds `portfolio_value` (integer cents, exact dollars) and is checked against itself.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest

import adapter
from adapter import FetchError, ShardBalance
from adapter.engine.call import Gathered
from adapter.fields import FieldProblem
from adapter.sandbox import Sandbox
from adapter.venues.kalshi import endpoints, plan
from adapter.venues.kalshi.mapping import balance_from_json, balances_from_json
from adapter.venues.kalshi.simulator import (
    SAMPLE_BALANCES,
    SAMPLE_PORTFOLIO_VALUES,
    KalshiSimulator,
)
from adapter.venues.simulation import Request
from tests.fake_venues import FakeVenues, edited, kalshi_row

BULK_TARGET = "/trade-api/v2/portfolio/subaccounts/balances"
BALANCE_TARGET = "/trade-api/v2/portfolio/balance"

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
    call = endpoints.balance(number)
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
        endpoints.balance(value)
    error = caught.value
    assert (error.venue, error.endpoint, error.status) == ("kalshi", "GET /portfolio/balance", None)
    assert "0-63" in error.message


# The simulator ---------------------------------------------------------------------------


def simulator_answer(simulator: KalshiSimulator, target: str) -> tuple[int, Any]:
    simulator.verify = False  # signatures: see test_get_balance_is_signature_checked
    response = simulator.answer(Request("GET", target, {}))
    return response.status, json.loads(response.body)


def test_demo_shards_add_up_to_the_sample_totals_and_both_endpoints_agree() -> None:
    simulator = KalshiSimulator.demo()
    status, bulk = simulator_answer(simulator, BULK_TARGET)
    assert status == 200
    by_number = {b.subaccount: b for b in balances_from_json(bulk)}
    assert {n: str(b.balance) for n, b in by_number.items()} == SAMPLE_BALANCES
    assert len(bulk["subaccount_balances"]) == 5  # one row per (subaccount, shard)
    assert [len(b.shards) for b in by_number.values()] == [2, 2, 1]
    for number in SAMPLE_BALANCES:
        status, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount={number}")
        assert status == 200
        one = balance_from_json(body, number)  # its own cross-checks pass
        assert one.balance == by_number[number].balance
        assert one.shards == by_number[number].shards
        assert one.portfolio_value == Decimal(SAMPLE_PORTFOLIO_VALUES[number]).scaleb(-2)


def test_set_shards_and_portfolio_values_reach_both_endpoints() -> None:
    simulator = KalshiSimulator.demo()
    simulator.set_shards(9, {2: "0.0000001", 0: "-0.0000001"})
    simulator.portfolio_values[9] = -5
    _, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount=9")
    assert body["balance_dollars"] == "0.0000000" and body["balance"] == 0
    assert [row["exchange_index"] for row in body["balance_breakdown"]] == [0, 2]
    assert balance_from_json(body, 9).portfolio_value == Decimal("-0.05")
    _, bulk = simulator_answer(simulator, BULK_TARGET)
    assert [(r["exchange_index"], r["balance"]) for r in bulk["subaccount_balances"][-2:]] == [
        (0, "-0.0000001"),
        (2, "0.0000001"),
    ]
    with pytest.raises(ValueError):
        simulator.set_shards(10, {})


@pytest.mark.parametrize("step", [1, 2, 7])
def test_drift_moves_both_endpoints_together(step: int) -> None:
    simulator = KalshiSimulator.demo()
    simulator.drift(step)
    _, bulk = simulator_answer(simulator, BULK_TARGET)
    drifted = balances_from_json(bulk)
    assert [str(b.balance) for b in drifted] != list(SAMPLE_BALANCES.values())
    for row in drifted:
        assert row.subaccount is not None
        _, body = simulator_answer(simulator, f"{BALANCE_TARGET}?subaccount={row.subaccount}")
        one = balance_from_json(body, row.subaccount)  # cents and breakdown still agree
        assert (one.balance, one.shards) == (row.balance, row.shards)
    simulator.drift(0)
    simulator.drift(step)
    _, again = simulator_answer(simulator, BULK_TARGET)
    assert again == bulk  # the same step gives the same balances


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?subaccount=7", 404, "not_found"),
        ("?subaccount=x", 400, "bad_request"),
        ("?subaccount=-1", 400, "bad_request"),
        ("?subaccount=", 400, "bad_request"),
        ("?subaccount=64", 400, "bad_request"),
        ("?subaccount=1&subaccount=2", 400, "bad_request"),
        ("?subaccount=0&exchange_index=0", 400, "bad_request"),
    ],
)
def test_the_simulator_refuses_like_kalshi(query: str, status: int, code: str) -> None:
    got, body = simulator_answer(KalshiSimulator.demo(), BALANCE_TARGET + query)
    assert got == status
    assert body.keys() == {"code", "message", "details"} and body["code"] == code


def test_the_simulator_defaults_to_the_primary() -> None:
    _, body = simulator_answer(KalshiSimulator.demo(), BALANCE_TARGET)
    assert body["balance_dollars"] == SAMPLE_BALANCES[0]


def test_get_balance_is_signature_checked(sandbox: Sandbox) -> None:
    url = sandbox.url + BALANCE_TARGET + "?subaccount=0"
    assert httpx.get(url).status_code == 401
    signer = sandbox.simulator("kalshi").signer()
    assert httpx.get(url, auth=signer).status_code == 200


# Plans, driven by hand: the steps and what they make of each outcome ----------------------


def cash_row(number: int, dollars: str) -> adapter.SubaccountBalance:
    return adapter.SubaccountBalance(
        venue=adapter.Venue.KALSHI,
        subaccount=number,
        primary=number == 0,
        currency="USD",
        balance=Decimal(dollars),
        shards=(ShardBalance(exchange_index=0, balance=Decimal(dollars)),),
    )


CASH = [cash_row(0, "10.00"), cash_row(3, "3.00"), cash_row(7, "7.00")]


def finish(steps: Any, outcomes: list[Any]) -> Any:
    with pytest.raises(StopIteration) as stop:
        steps.send(outcomes)
    return stop.value.value


def positions_step(steps: Any) -> None:
    """Answer the bulk step with CASH; the plan must then ask for each GetBalance in order."""
    [bulk] = next(steps)
    assert bulk.endpoint == "GET /portfolio/subaccounts/balances"
    calls = steps.send([CASH])
    assert [(c.endpoint, c.subaccount) for c in calls] == [
        ("GET /portfolio/balance", n) for n in (0, 3, 7)
    ]


def get_balance_outcome(number: int, portfolio: str) -> adapter.SubaccountBalance:
    # Cash different from the bulk call's: the plan must keep the bulk call's.
    return attrs.evolve(cash_row(number, "999.99"), portfolio_value=Decimal(portfolio), shards=())


def not_found(number: int) -> adapter.NotFoundError:
    return adapter.NotFoundError(
        "no", venue="kalshi", endpoint="GET /portfolio/balance", status=404, subaccount=number
    )


@pytest.mark.parametrize("make", [plan.balances, plan.report])
def test_without_positions_one_bulk_call_is_all(make: Any) -> None:
    steps = make()
    assert len(next(steps)) == 1
    result = finish(steps, [CASH])
    assert result == (CASH if make is plan.balances else Gathered(balances=CASH, errors=[]))


def test_positions_add_portfolio_values_and_keep_the_bulk_cash() -> None:
    steps = plan.balances(positions=True)
    positions_step(steps)
    result = finish(steps, [get_balance_outcome(n, f"{n}.25") for n in (0, 3, 7)])
    assert result == [
        attrs.evolve(row, portfolio_value=Decimal(f"{row.subaccount}.25")) for row in CASH
    ]


def test_positions_raise_the_first_failure_in_subaccount_order() -> None:
    steps = plan.balances(positions=True)
    positions_step(steps)
    with pytest.raises(adapter.NotFoundError) as caught:
        steps.send([get_balance_outcome(0, "1"), not_found(3), not_found(7)])
    assert caught.value.subaccount == 3


def test_report_keeps_the_cash_of_a_subaccount_whose_get_balance_failed() -> None:
    steps = plan.report(positions=True)
    positions_step(steps)
    failure = not_found(3)
    result = finish(steps, [get_balance_outcome(0, "1.50"), failure, get_balance_outcome(7, "0")])
    assert result.balances == [
        attrs.evolve(CASH[0], portfolio_value=Decimal("1.50")),
        CASH[1],  # its cash row, portfolio_value None
        attrs.evolve(CASH[2], portfolio_value=Decimal("0")),
    ]
    assert result.errors == [FetchError(venue=adapter.Venue.KALSHI, subaccount=3, error=failure)]


@pytest.mark.parametrize("make", [plan.balances, plan.report])
def test_a_failed_bulk_call_is_raised(make: Any) -> None:
    steps = make(positions=True)
    next(steps)
    down = adapter.VenueUnavailableError("down", venue="kalshi")
    with pytest.raises(adapter.VenueUnavailableError):
        steps.send([down])


def test_no_subaccounts_means_no_second_batch() -> None:
    steps = plan.balances(positions=True)
    next(steps)
    assert finish(steps, [[]]) == []


# Through the sandbox ------------------------------------------------------------------------

EXPECTED_PORTFOLIO = {0: "123.45", 1: "0.00", 2: "50.00"}


@pytest.fixture
def kalshi(sandbox: Sandbox) -> Iterator[KalshiSimulator]:
    """The sandbox's Kalshi simulator; what a test changes in it is put back."""
    simulator: KalshiSimulator = sandbox.simulator("kalshi")
    shards = {n: dict(held) for n, held in simulator.shards.items()}
    values = dict(simulator.portfolio_values)
    yield simulator
    assert sandbox.wait_idle()
    simulator.shards, simulator.portfolio_values = shards, values
    simulator.balance_errors.clear()


def kalshi_targets(sandbox: Sandbox) -> list[str]:
    """Kalshi request targets in the order they arrived.

    Concurrent requests leave in order but may arrive a little out of it on a loaded
    machine; tests that assert the order of several requests send one at a time."""
    seen = sorted((entry for entry in sandbox.log if entry.venue == "kalshi"), key=lambda e: e.at)
    return [entry.target for entry in seen]


def fetched(sandbox: Sandbox) -> list[str]:
    """The bulk call first, then the GetBalance calls (in any order)."""
    first, *rest = kalshi_targets(sandbox)
    return [first, *sorted(rest, key=lambda target: int(target.rpartition("=")[2]))]


def positions_targets(numbers: Iterable[int]) -> list[str]:
    return [BULK_TARGET] + [f"{BALANCE_TARGET}?subaccount={n}" for n in numbers]


def check_positions(balances: list[adapter.SubaccountBalance]) -> None:
    assert [b.subaccount for b in balances] == [0, 1, 2]
    assert {b.subaccount: str(b.balance) for b in balances} == SAMPLE_BALANCES
    assert {b.subaccount: str(b.portfolio_value) for b in balances} == EXPECTED_PORTFOLIO
    assert [(s.exchange_index, str(s.balance)) for s in balances[1].shards] == [
        (0, "325.75"),
        (1, "-5.00"),
    ]


def test_positions_through_the_sandbox(sandbox: Sandbox) -> None:
    with sandbox.client() as client:  # Kalshi's default rate limit on: the real path
        balances = client.kalshi_balances(positions=True)
    check_positions(balances)
    assert fetched(sandbox) == positions_targets([0, 1, 2])


def test_positions_through_the_sandbox_async(sandbox: Sandbox) -> None:
    async def main() -> list[adapter.SubaccountBalance]:
        async with sandbox.async_client() as client:
            result: list[adapter.SubaccountBalance] = await client.kalshi_balances(positions=True)
            return result

    check_positions(asyncio.run(main()))
    assert fetched(sandbox) == positions_targets([0, 1, 2])


def test_without_positions_one_request_and_no_portfolio_value(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        balances = client.kalshi_balances()
    assert [b.portfolio_value for b in balances] == [None] * 3
    assert [len(b.shards) for b in balances] == [2, 2, 1]
    assert kalshi_targets(sandbox) == [BULK_TARGET]


ONE_AT_A_TIME = {"max_in_flight": 1, "kalshi_rate_limit": 200.0}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_positions_of_64_subaccounts_go_out_in_ascending_order(
    sandbox: Sandbox, kalshi: KalshiSimulator, mode: str
) -> None:
    numbers = list(range(64))
    for number in range(3, 64):
        kalshi.set_shards(number, {shard: f"{number}.{shard}" for shard in range(4)})
        kalshi.portfolio_values[number] = number
    if mode == "sync":
        with sandbox.client(**ONE_AT_A_TIME) as client:
            balances = client.kalshi_balances(positions=True)
    else:

        async def main() -> list[adapter.SubaccountBalance]:
            async with sandbox.async_client(**ONE_AT_A_TIME) as client:
                found: list[adapter.SubaccountBalance] = await client.kalshi_balances(
                    positions=True
                )
                return found

        balances = asyncio.run(main())
    assert [b.subaccount for b in balances] == numbers
    assert balances[-1].balance == Decimal("252.6")  # 63.0 + 63.1 + 63.2 + 63.3
    assert balances[-1].portfolio_value == Decimal("0.63")
    assert kalshi_targets(sandbox) == positions_targets(numbers)


def test_kalshi_balance_sends_subaccount_0_explicitly(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        primary = client.kalshi_balance(0)
    assert kalshi_targets(sandbox) == [f"{BALANCE_TARGET}?subaccount=0"]
    assert (primary.subaccount, primary.primary, str(primary.balance)) == (0, True, "1500.2500")
    assert primary.portfolio_value == Decimal("123.45")
    assert [(s.exchange_index, str(s.balance)) for s in primary.shards] == [
        (0, "1000.2500"),
        (1, "500.00"),
    ]
    assert primary.updated_at == datetime(2025, 11, 21, 18, 59, tzinfo=UTC)


def test_kalshi_balance_async(sandbox: Sandbox) -> None:
    async def main() -> adapter.SubaccountBalance:
        async with sandbox.async_client() as client:
            result: adapter.SubaccountBalance = await client.kalshi_balance(2)
            return result

    balance = asyncio.run(main())
    assert (balance.subaccount, str(balance.balance), str(balance.portfolio_value)) == (
        2,
        "0.123456",
        "50.00",
    )
    assert kalshi_targets(sandbox) == [f"{BALANCE_TARGET}?subaccount=2"]


def test_kalshi_balance_of_an_unknown_subaccount_is_not_found(sandbox: Sandbox) -> None:
    with sandbox.client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.kalshi_balance(9)
    error = caught.value
    assert (error.venue, error.endpoint, error.subaccount, error.status) == (
        "kalshi",
        "GET /portfolio/balance",
        9,
        404,
    )
    assert "subaccount 9 not found" in error.message


@pytest.mark.parametrize("value", [-1, 64, True, "0"])
def test_kalshi_balance_of_a_non_subaccount_sends_nothing(sandbox: Sandbox, value: Any) -> None:
    with sandbox.client() as client, pytest.raises(adapter.BadRequestError) as caught:
        client.kalshi_balance(value)
    assert caught.value.endpoint == "GET /portfolio/balance"
    assert kalshi_targets(sandbox) == []


def test_one_failing_get_balance_is_raised_after_fetching_all(
    sandbox: Sandbox, kalshi: KalshiSimulator
) -> None:
    kalshi.balance_errors[1] = 404
    kalshi.balance_errors[2] = 403
    with sandbox.client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.kalshi_balances(positions=True)
    assert (caught.value.subaccount, caught.value.endpoint) == (1, "GET /portfolio/balance")
    assert fetched(sandbox) == positions_targets([0, 1, 2])  # all of them fetched


def test_one_failing_get_balance_async(sandbox: Sandbox, kalshi: KalshiSimulator) -> None:
    kalshi.balance_errors[2] = 404

    async def main() -> None:
        async with sandbox.async_client() as client:
            await client.kalshi_balances(positions=True)

    with pytest.raises(adapter.NotFoundError) as caught:
        asyncio.run(main())
    assert caught.value.subaccount == 2
    assert fetched(sandbox) == positions_targets([0, 1, 2])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_report_keeps_the_cash_row_and_reports_the_failure(
    sandbox: Sandbox, kalshi: KalshiSimulator, mode: str
) -> None:
    kalshi.balance_errors[1] = 404
    if mode == "sync":
        with sandbox.client(coinswitch=None) as client:
            report = client.all_balances(kalshi_positions=True)
    else:

        async def main() -> adapter.BalanceReport:
            async with sandbox.async_client(coinswitch=None) as client:
                return await client.all_balances(kalshi_positions=True)

        report = asyncio.run(main())
    assert [(b.subaccount, str(b.balance)) for b in report.balances] == [
        (0, "1500.2500"),
        (1, "320.75"),
        (2, "0.123456"),
    ]
    assert [b.portfolio_value for b in report.balances] == [
        Decimal("123.45"),
        None,
        Decimal("50.00"),
    ]
    assert len(report.balances[1].shards) == 2  # the cash row, shards and all
    [failure] = report.errors
    assert (failure.venue, failure.subaccount) == ("kalshi", 1)
    assert isinstance(failure.error, adapter.NotFoundError)
    assert failure.error.endpoint == "GET /portfolio/balance"

"""Kalshi's plans driven by hand: the steps they ask for, and what they make of each outcome."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

import adapter
from adapter import FetchError, ShardBalance
from adapter.engine.call import Gathered
from adapter.venues.kalshi import plan


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
    steps = make("kalshi")
    assert len(next(steps)) == 1
    result = finish(steps, [CASH])
    assert result == (CASH if make is plan.balances else Gathered(balances=CASH, errors=[]))


def test_positions_add_portfolio_values_and_keep_the_bulk_cash() -> None:
    steps = plan.balances("kalshi", positions=True)
    positions_step(steps)
    result = finish(steps, [get_balance_outcome(n, f"{n}.25") for n in (0, 3, 7)])
    assert result == [
        attrs.evolve(row, portfolio_value=Decimal(f"{row.subaccount}.25")) for row in CASH
    ]


def test_positions_raise_the_first_failure_in_subaccount_order() -> None:
    steps = plan.balances("kalshi", positions=True)
    positions_step(steps)
    with pytest.raises(adapter.NotFoundError) as caught:
        steps.send([get_balance_outcome(0, "1"), not_found(3), not_found(7)])
    assert caught.value.subaccount == 3


def test_report_keeps_the_cash_of_a_subaccount_whose_get_balance_failed() -> None:
    steps = plan.report("kalshi", positions=True)
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
    steps = make("kalshi", positions=True)
    next(steps)
    down = adapter.VenueUnavailableError("down", venue="kalshi")
    with pytest.raises(adapter.VenueUnavailableError):
        steps.send([down])


def test_no_subaccounts_means_no_second_batch() -> None:
    steps = plan.balances("kalshi", positions=True)
    next(steps)
    assert finish(steps, [[]]) == []

"""Which Kalshi calls each public method makes, in which steps (see `engine.call.Plan`)."""

from __future__ import annotations

from typing import cast

import attrs

from adapter.domain import FetchError, SubaccountBalance, Venue
from adapter.engine.call import Gathered, Outcome, Plan, outcome_value
from adapter.errors import AdapterError
from adapter.venues.kalshi import endpoints

__all__ = ["balance", "balances", "report"]


def balance(account: str, subaccount: int) -> Plan[SubaccountBalance]:
    """One subaccount's cash, shards and portfolio value (GetBalance)."""
    outcomes: list[Outcome[SubaccountBalance]] = yield [endpoints.balance(account, subaccount)]
    return outcome_value(outcomes[0])


def balances(account: str, positions: bool = False) -> Plan[list[SubaccountBalance]]:
    """Every subaccount's cash, from the bulk endpoint; with `positions`, each one's
    portfolio value too, from one GetBalance per subaccount. Everything is fetched first;
    then the first failure, in subaccount order, is raised."""
    cash = yield from _cash(account)
    if not positions:
        return cash
    fetched = yield from _with_positions(account, cash)
    return [outcome_value(outcome) for outcome in fetched]


def report(account: str, positions: bool = False) -> Plan[Gathered]:
    """What `all_balances` reads of Kalshi. A failed bulk call is raised (the engine
    reports it); a subaccount whose GetBalance fails keeps its cash, without a portfolio
    value, and gains an error."""
    cash = yield from _cash(account)
    if not positions:
        return Gathered(balances=cash, errors=[])
    fetched = yield from _with_positions(account, cash)
    found, errors = [], []
    for row, outcome in zip(cash, fetched, strict=True):
        if isinstance(outcome, AdapterError):
            found.append(row)
            errors.append(
                FetchError(
                    venue=Venue.KALSHI, account=account, subaccount=row.subaccount, error=outcome
                )
            )
        else:
            found.append(outcome)
    return Gathered(balances=found, errors=errors)


def _cash(account: str) -> Plan[list[SubaccountBalance]]:
    outcomes: list[Outcome[list[SubaccountBalance]]] = yield [endpoints.bulk_balances(account)]
    return outcome_value(outcomes[0])


def _with_positions(
    account: str, cash: list[SubaccountBalance]
) -> Plan[list[Outcome[SubaccountBalance]]]:
    """Each cash row with the portfolio value of its subaccount's GetBalance, or the error
    that call ended with; the calls go out as one batch, in ascending subaccount order.

    Cash and shards stay the bulk call's: each GetBalance answers at its own moment, and
    one snapshot of every subaccount's cash is worth more than a mix of moments.
    """
    if not cash:
        return []
    # The bulk mapping numbers every row (only CoinSwitch's master has no number); were one
    # missing, endpoints.balance would refuse it as a bad request.
    calls = [endpoints.balance(account, cast(int, row.subaccount)) for row in cash]
    outcomes: list[Outcome[SubaccountBalance]] = yield calls
    return [
        outcome
        if isinstance(outcome, AdapterError)
        else attrs.evolve(row, portfolio_value=outcome.portfolio_value)
        for row, outcome in zip(cash, outcomes, strict=True)
    ]

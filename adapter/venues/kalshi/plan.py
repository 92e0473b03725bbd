"""Which Kalshi calls each public method makes, in which steps (see `engine.call.Plan`)."""

from __future__ import annotations

from adapter.domain import SubaccountBalance
from adapter.engine.call import Gathered, Outcome, Plan, outcome_value
from adapter.venues.kalshi import endpoints

__all__ = ["balances", "report"]


def balances() -> Plan[list[SubaccountBalance]]:
    """Every subaccount's cash, from the bulk endpoint."""
    outcomes: list[Outcome[list[SubaccountBalance]]] = yield [endpoints.bulk_balances()]
    return outcome_value(outcomes[0])


def report() -> Plan[Gathered]:
    """What `all_balances` reads of Kalshi."""
    return Gathered(balances=(yield from balances()), errors=[])

"""Kalshi's endpoints as the engine's calls: request arguments from the generated client,
bodies read by `mapping`."""

from __future__ import annotations

from venue_balances_kalshi.api.portfolio import get_subaccount_balances

from adapter.domain import SubaccountBalance, Venue
from adapter.engine.call import Call
from adapter.venues.kalshi import mapping

__all__ = ["BULK", "bulk_balances"]

BULK = "GET /portfolio/subaccounts/balances"


def bulk_balances() -> Call[list[SubaccountBalance]]:
    """Every subaccount's cash, in one request."""
    return Call(
        venue=Venue.KALSHI,
        endpoint=BULK,
        subaccount=None,
        request=get_subaccount_balances._get_kwargs(),
        parse=mapping.balances_from_json,
        error_message=mapping.error_message,
    )

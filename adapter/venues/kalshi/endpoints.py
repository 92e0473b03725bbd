"""Kalshi's endpoints as the engine's calls: request arguments from the generated client,
bodies read by `mapping`."""

from __future__ import annotations

from venue_balances_kalshi.api.portfolio import get_balance, get_subaccount_balances

from adapter.domain import SubaccountBalance, Venue
from adapter.engine.call import Call
from adapter.errors import BadRequestError
from adapter.venues.kalshi import mapping

__all__ = ["BALANCE", "BULK", "balance", "bulk_balances"]

BULK = "GET /portfolio/subaccounts/balances"
BALANCE = "GET /portfolio/balance"


def bulk_balances(account: str) -> Call[list[SubaccountBalance]]:
    """Every subaccount's cash, in one request."""
    return Call(
        account=account,
        venue=Venue.KALSHI,
        endpoint=BULK,
        subaccount=None,
        request=get_subaccount_balances._get_kwargs(),
        parse=lambda payload: mapping.balances_from_json(payload, account=account),
        error_message=mapping.error_message,
    )


def balance(account: str, subaccount: int) -> Call[SubaccountBalance]:
    """One subaccount's cash (all shards) and portfolio value; BadRequestError for a
    number that is not a subaccount."""
    number = _subaccount(account, subaccount)
    return Call(
        account=account,
        venue=Venue.KALSHI,
        endpoint=BALANCE,
        subaccount=number,
        # `subaccount` goes out even for the primary (0), whatever Kalshi's default; and
        # no `exchange_index`, so that the figures cover every shard.
        request=get_balance._get_kwargs(subaccount=number),
        parse=lambda payload: mapping.balance_from_json(payload, number, account=account),
        error_message=mapping.error_message,
    )


def _subaccount(account: str, value: object) -> int:
    if type(value) is not int or value not in mapping.SUBACCOUNTS:
        raise BadRequestError(
            f"a Kalshi subaccount is an integer 0-63 (0 is the primary), not {value!r:.40}",
            account=account,
            venue=Venue.KALSHI,
            endpoint=BALANCE,
        )
    return value

"""Kalshi answers as balances: `GET /portfolio/subaccounts/balances`.

One request returns every subaccount. Later revisions of Kalshi's spec add a required
`exchange_index` and may return one row per (subaccount, exchange shard); rows of one
subaccount are summed exactly and stamped with the latest `updated_ts`, whether
`exchange_index` is declared by the generated model or arrives as an extra key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from venue_balances_kalshi.models import ErrorResponse, GetSubaccountBalancesResponse
from venue_balances_kalshi.models import SubaccountBalance as Row
from venue_balances_kalshi.types import Unset

from adapter.domain import SubaccountBalance, Venue
from adapter.fields import (
    MISSING,
    FieldProblem,
    amount,
    exact_sum,
    first_text,
    integer,
    object_list,
    parse_model,
    required_object,
    unix_seconds,
)

__all__ = ["balances_from_json", "balances_from_rows", "error_message"]

CURRENCY = "USD"


def balances_from_json(payload: Any) -> list[SubaccountBalance]:
    """Every subaccount's balance from a 200 body, ordered by subaccount number."""
    body = required_object(payload, "body")
    rows = object_list(body.get("subaccount_balances", MISSING), "subaccount_balances")
    response = parse_model(
        GetSubaccountBalancesResponse.from_dict,
        body,
        [(f"subaccount_balances[{i}]", Row.from_dict, row) for i, row in enumerate(rows)],
    )
    return balances_from_rows(response.subaccount_balances)


def balances_from_rows(rows: Sequence[Row]) -> list[SubaccountBalance]:
    """Checked rows grouped per subaccount: shard balances summed, latest update kept."""
    shards: dict[int, dict[int | None, tuple[Decimal, datetime]]] = {}
    for index, row in enumerate(rows):
        where = f"subaccount_balances[{index}]"
        number = integer(row.subaccount_number, f"{where}.subaccount_number", minimum=0)
        balance = amount(row.balance, f"{where}.balance")
        updated = unix_seconds(row.updated_ts, f"{where}.updated_ts")
        shard = _exchange_index(row, where)
        seen = shards.setdefault(number, {})
        if shard in seen or None in seen or (shard is None and seen):
            raise FieldProblem(
                where,
                f"repeats subaccount {number}"
                + ("" if shard is None else f" on exchange_index {shard}")
                + ": cannot tell which row is right",
            )
        seen[shard] = (balance, updated)
    return [
        SubaccountBalance(
            venue=Venue.KALSHI,
            subaccount=number,
            primary=number == 0,
            currency=CURRENCY,
            balance=exact_sum(balance for balance, _ in seen.values()),
            updated_at=max(updated for _, updated in seen.values()),
        )
        for number, seen in sorted(shards.items())
    ]


def _exchange_index(row: Row, where: str) -> int | None:
    # Declared by models generated from spec >= 3.34; an extra key in the 3.8.0 model.
    value = getattr(row, "exchange_index", None)
    if value is None or isinstance(value, Unset):
        value = row.additional_properties.get("exchange_index")
    if value is None:
        return None
    return integer(value, f"{where}.exchange_index", minimum=0)


def error_message(payload: Any) -> str | None:
    """The human-readable message of an error body (`{"message": ...}` or `{"error": ...}`)."""
    if not isinstance(payload, dict):
        return None
    error = ErrorResponse.from_dict(payload)
    return first_text(
        error.message, error.details, error.additional_properties.get("error"), error.code
    )

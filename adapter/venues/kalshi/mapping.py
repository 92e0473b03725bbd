"""Kalshi answers as balances: `GET /portfolio/subaccounts/balances` and `GET /portfolio/balance`.

The bulk endpoint returns every subaccount, one row per (subaccount, exchange shard) since
spec 3.22.0 made `exchange_index` required. A subaccount's rows keep their own figures as
its `shards` and are summed exactly into its `balance`, stamped with the latest
`updated_ts`. Rows parsed by models of an older spec (3.8.0, kept for tests) may lack the
index altogether: such a row is the subaccount's whole cash, with no shards reported.

GetBalance answers for one subaccount and says some things twice: the cash in integer
cents (`balance`, sub-cent digits truncated) and in exact dollars (`balance_dollars`), and
per shard (`balance_breakdown`). The copies must agree, or nothing says which is right.
`portfolio_value`, the value of open positions, only comes in cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_DOWN,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
)
from typing import Any

from venue_balances_kalshi.models import (
    ErrorResponse,
    GetBalanceResponse,
    GetSubaccountBalancesResponse,
    IndexedBalance,
)
from venue_balances_kalshi.models import SubaccountBalance as Row
from venue_balances_kalshi.types import Unset

from adapter.domain import ShardBalance, SubaccountBalance, Venue
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

__all__ = [
    "balance_from_json",
    "balances_from_json",
    "balances_from_rows",
    "dollars_from_cents",
    "error_message",
    "subaccount_number",
]

CURRENCY = "USD"
SUBACCOUNTS = range(64)
"""Subaccount numbers: 0 is the primary, 1-63 the subaccounts (spec 3.20.0)."""


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
    """Checked rows grouped per subaccount: shard figures kept and summed exactly, latest
    update kept."""
    shards: dict[int, dict[int | None, tuple[Decimal, datetime]]] = {}
    for index, row in enumerate(rows):
        where = f"subaccount_balances[{index}]"
        number = subaccount_number(row.subaccount_number, f"{where}.subaccount_number")
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
            shards=tuple(
                ShardBalance(exchange_index=shard, balance=seen[shard][0])
                for shard in sorted(shard for shard in seen if shard is not None)
            ),
            updated_at=max(updated for _, updated in seen.values()),
        )
        for number, seen in sorted(shards.items())
    ]


def subaccount_number(value: object, field: str) -> int:
    """A subaccount number, 0-63."""
    number = integer(value, field, minimum=0)
    if number not in SUBACCOUNTS:
        raise FieldProblem(field, f"expected a subaccount number 0-63, got {number}")
    return number


def _exchange_index(row: Row, where: str) -> int | None:
    """The row's shard; None only for a row of spec 3.8.0's shape, which has no index.

    Current models declare `exchange_index` as required, so a null there is malformed, not
    "unsharded"; 3.8.0 models leave an index the venue did send among the extra keys.
    """
    value = getattr(row, "exchange_index", MISSING)
    if value is MISSING:
        value = row.additional_properties.get("exchange_index", MISSING)
        if value is MISSING:
            return None
    return integer(value, f"{where}.exchange_index", minimum=0)


def balance_from_json(payload: Any, subaccount: int) -> SubaccountBalance:
    """One subaccount's balance and portfolio value from a GetBalance 200 body."""
    body = required_object(payload, "body")
    breakdown = body.get("balance_breakdown", MISSING)
    rows = [] if breakdown is MISSING else object_list(breakdown, "balance_breakdown")
    response = parse_model(
        GetBalanceResponse.from_dict,
        body,
        [(f"balance_breakdown[{i}]", IndexedBalance.from_dict, row) for i, row in enumerate(rows)],
    )
    cents = integer(response.balance, "balance")
    dollars = amount(response.balance_dollars, "balance_dollars")
    if _whole_cents(dollars) != cents:
        raise FieldProblem(
            "balance",
            f"{cents} cents disagrees with balance_dollars {response.balance_dollars!r}"
            " (cents must be the dollars truncated to the cent)",
        )
    return SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=subaccount,
        primary=subaccount == 0,
        currency=CURRENCY,
        balance=dollars,
        portfolio_value=dollars_from_cents(integer(response.portfolio_value, "portfolio_value")),
        shards=_breakdown(response.balance_breakdown, dollars),
        updated_at=unix_seconds(response.updated_ts, "updated_ts"),
    )


def _breakdown(rows: list[IndexedBalance] | Unset, total: Decimal) -> tuple[ShardBalance, ...]:
    """The cash per shard, which must add up to the total; () when not reported (keys
    restricted to one subaccount get no breakdown)."""
    if isinstance(rows, Unset):
        return ()
    shards: dict[int, Decimal] = {}
    for index, row in enumerate(rows):
        where = f"balance_breakdown[{index}]"
        shard = integer(row.exchange_index, f"{where}.exchange_index", minimum=0)
        if shard in shards:
            raise FieldProblem(where, f"repeats exchange_index {shard}")
        shards[shard] = amount(row.balance, f"{where}.balance")
    added = exact_sum(shards.values()) if shards else Decimal(0)
    if added != total:
        raise FieldProblem(
            "balance_breakdown",
            f"the shards add up to {added}, not to balance_dollars {total}",
        )
    return tuple(ShardBalance(exchange_index=i, balance=shards[i]) for i in sorted(shards))


def dollars_from_cents(cents: int) -> Decimal:
    """Integer cents as exact dollars with two places: 12345 -> 123.45, -5 -> -0.05."""
    return Decimal(cents).scaleb(-2, _exact(Decimal(cents)))


def _whole_cents(dollars: Decimal) -> int:
    """Dollars truncated toward zero to the cent, in cents: "12.349" -> 1234, "-0.005" -> 0."""
    exact = _exact(dollars)
    return int(dollars.scaleb(2, exact).to_integral_value(ROUND_DOWN, exact))


def _exact(value: Decimal) -> Context:
    """A context wide enough for `value`'s digits and exponent (a 1 MiB body can hold a
    numeral below the default context's smallest exponent): moving its point never rounds,
    and would raise rather than round if it did."""
    return Context(
        prec=len(value.as_tuple().digits),
        Emin=MIN_EMIN,
        Emax=MAX_EMAX,
        traps=[Inexact, Rounded, InvalidOperation],
    )


def error_message(payload: Any) -> str | None:
    """The human-readable message of an error body (`{"message": ...}` or `{"error": ...}`)."""
    if not isinstance(payload, dict):
        return None
    error = ErrorResponse.from_dict(payload)
    return first_text(
        error.message, error.details, error.additional_properties.get("error"), error.code
    )

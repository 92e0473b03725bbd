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

Its length (about 300 lines) holds both endpoints' readers, the fast path of the bulk
rows with the precise readers that explain its refusals, and the cents/dollars rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from venue_balances_kalshi.models import (
    ErrorResponse,
    GetBalanceResponse,
    IndexedBalance,
)
from venue_balances_kalshi.models import SubaccountBalance as Row
from venue_balances_kalshi.types import Unset

from adapter.domain import ShardBalance, SubaccountBalance, Venue, build_balance, build_shard
from adapter.fields import (
    EXACT,
    INT64_MAX,
    MAX_UNIX_SECONDS,
    MISSING,
    FieldProblem,
    amount,
    exact_sum,
    first_text,
    integer,
    numerals,
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

VENUE = Venue.KALSHI
CURRENCY = "USD"
ROW_KEYS = ("subaccount_number", "exchange_index", "balance", "updated_ts")
"""A bulk row's keys: those the generated `SubaccountBalance` model requires (tested)."""
SUBACCOUNTS = range(64)
"""Subaccount numbers: 0 is the primary, 1-63 the subaccounts (spec 3.20.0)."""


def balances_from_json(payload: Any, *, account: str = VENUE) -> list[SubaccountBalance]:
    """Every subaccount's balance from a 200 body, ordered by subaccount number.

    The hot path of a poller (256 rows for 64 subaccounts on 4 shards): rows are read key
    by key and each value checked inline, the balances' numerals all at once
    (`fields.numerals`); anything refused is handed to `_explain_rows`, which reads the
    rows again in order with the precise readers (`fields`) and raises for the first that
    fails, naming the field and what is wrong. The keys are those the generated
    `SubaccountBalance` model requires (a test holds the two together).
    """
    body = required_object(payload, "body")
    rows = body.get("subaccount_balances", MISSING)
    if type(rows) is not list:
        object_list(rows, "subaccount_balances")  # raises, naming what came instead
    groups: dict[int, list[tuple[int, str, int]]] = {}
    texts: list[str] = []
    keep = texts.append
    try:
        for row in rows:
            number = row["subaccount_number"]
            shard = row["exchange_index"]
            text = row["balance"]
            stamp = row["updated_ts"]
            if (
                type(number) is not int
                or number not in SUBACCOUNTS
                or type(shard) is not int
                or not 0 <= shard <= INT64_MAX
                or type(stamp) is not int
                or not 0 <= stamp <= MAX_UNIX_SECONDS
            ):
                raise _Refused
            keep(text)  # checked below, with the others
            group = groups.get(number)
            if group is None:
                groups[number] = [(shard, text, stamp)]
            else:
                group.append((shard, text, stamp))
        if texts and not numerals(texts):  # TypeError: a balance that is not a string
            raise _Refused
        times: dict[int, datetime] = {}  # a poll's rows mostly share their timestamps
        return [_subaccount(account, number, groups[number], times) for number in sorted(groups)]
    except (KeyError, TypeError, _Refused):
        _explain_rows(rows)
        raise  # unreachable: _explain_rows raises


class _Refused(Exception):
    """A row the fast path will not take: `_explain_rows` says what is wrong with it."""


def _subaccount(
    account: str, number: int, rows: list[tuple[Any, str, int]], times: dict[int, datetime]
) -> SubaccountBalance:
    """One subaccount from its checked rows (shard, balance numeral, timestamp): shard
    figures kept in ascending order and summed exactly, the latest update kept. `times`
    caches the datetimes of timestamps already seen. A shard given twice is refused.
    A shard of None is a row of spec 3.8.0's shape, with no index: its subaccount's only
    row, whole cash with no shards reported."""
    if len(rows) == 1:  # the common case, kept cheap
        [(shard, text, latest)] = rows
        balance = Decimal(text)
        shards: tuple[ShardBalance, ...] = () if shard is None else (build_shard(shard, balance),)
    else:
        rows.sort()
        add = EXACT.add
        shard, text, latest = rows[0]
        balance = Decimal(text)
        built = [build_shard(shard, balance)]
        previous = shard
        for shard, text, stamp in rows[1:]:
            if shard == previous:
                raise _Refused
            previous = shard
            value = Decimal(text)
            built.append(build_shard(shard, value))
            balance = add(balance, value)
            if stamp > latest:
                latest = stamp
        shards = tuple(built)
    updated = times.get(latest)
    if updated is None:
        updated = times[latest] = datetime.fromtimestamp(latest, tz=UTC)
    return build_balance(
        Venue.KALSHI,
        account,
        number,
        number == 0,
        CURRENCY,
        balance,
        None,
        shards,
        updated,
        None,
        None,
        (),
    )


def balances_from_rows(rows: Sequence[Row], *, account: str = VENUE) -> list[SubaccountBalance]:
    """Rows parsed by a generated model (of this spec, or of an older one that had no
    `exchange_index`: such a row is its subaccount's whole cash), grouped per subaccount."""
    groups: dict[int, list[tuple[int | None, str, int]]] = {}
    seen: dict[int, set[int | None]] = {}  # shards met per subaccount
    for index, row in enumerate(rows):
        where = f"subaccount_balances[{index}]"
        number = subaccount_number(row.subaccount_number, f"{where}.subaccount_number")
        amount(row.balance, f"{where}.balance")
        stamp = integer(row.updated_ts, f"{where}.updated_ts", minimum=0)
        unix_seconds(stamp, f"{where}.updated_ts")
        shard = _exchange_index(row, where)
        shards = seen.setdefault(number, set())
        if shards and (shard is None or shard in shards or None in shards):
            raise _repeated(index, number, shard)
        shards.add(shard)
        groups.setdefault(number, []).append((shard, row.balance, stamp))
    return [_subaccount(account, number, groups[number], {}) for number in sorted(groups)]


def _explain_rows(rows: list[Any]) -> None:
    """Raise the FieldProblem that says what is wrong with the first bulk row the fast
    path would refuse (a field, or a (subaccount, shard) met before), in the rows' order,
    as the field readers word it."""
    seen: set[tuple[int, int]] = set()
    for index, row in enumerate(rows):
        where = f"subaccount_balances[{index}]"
        row = required_object(row, where)
        for key in ROW_KEYS:
            if key not in row:
                raise FieldProblem(f"{where}.{key}", "is missing")
        number = subaccount_number(row["subaccount_number"], f"{where}.subaccount_number")
        amount(row["balance"], f"{where}.balance")
        unix_seconds(row["updated_ts"], f"{where}.updated_ts")
        shard = integer(
            row["exchange_index"], f"{where}.exchange_index", minimum=0, maximum=INT64_MAX
        )
        if (number, shard) in seen:
            raise _repeated(index, number, shard)
        seen.add((number, shard))
    raise AssertionError("the rows were refused, but every one reads")  # pragma: no cover


def _repeated(index: int, number: int, shard: int | None) -> FieldProblem:
    return FieldProblem(
        f"subaccount_balances[{index}]",
        f"repeats subaccount {number}"
        + ("" if shard is None else f" on exchange_index {shard}")
        + ": cannot tell which row is right",
    )


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
    return integer(value, f"{where}.exchange_index", minimum=0, maximum=INT64_MAX)


def balance_from_json(payload: Any, subaccount: int, *, account: str = VENUE) -> SubaccountBalance:
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
        account=account,
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
        shard = integer(row.exchange_index, f"{where}.exchange_index", minimum=0, maximum=INT64_MAX)
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
    return Decimal(cents).scaleb(-2, EXACT)


def _whole_cents(dollars: Decimal) -> int:
    """Dollars truncated toward zero to the cent, in cents: "12.349" -> 1234, "-0.005" -> 0.

    In `fields.EXACT` (a 1 MiB body can hold a numeral beyond the default context's
    digits and exponents), moving the point never rounds, and would raise if it did."""
    return int(dollars.scaleb(2, EXACT).to_integral_value(ROUND_DOWN, EXACT))


def error_message(payload: Any) -> str | None:
    """The human-readable message of an error body (`{"message": ...}` or `{"error": ...}`)."""
    if not isinstance(payload, dict):
        return None
    error = ErrorResponse.from_dict(payload)
    return first_text(
        error.message, error.details, error.additional_properties.get("error"), error.code
    )

"""Property-based: generated bodies, valid and hostile, through both mappings end to end.

Every outcome must be either exactly what an independent oracle computes from the body,
or a typed MalformedResponseError when the oracle finds the body invalid. The example
budget is fixed and derandomized, so a run is reproducible.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

import httpx
from conftest import FakeVenues, tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapter

BUDGET = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMERAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
BIG = Context(prec=10_000)
ABSENT = object()

valid_numerals = st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{1,12})?", fullmatch=True)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "1e5", "", " 1", "1,000.00", "+1", ".5", "5.", "٣"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def maybe(valid: st.SearchStrategy[Any], odds: int = 20) -> st.SearchStrategy[Any]:
    """A valid value, except one time in `odds` junk or the key left out."""
    spoiled = st.one_of(junk, st.just(ABSENT))
    return st.integers(1, odds).flatmap(lambda roll: spoiled if roll == 1 else valid)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid nine times in ten, junk otherwise."""
    return st.integers(0, 9).flatmap(lambda roll: valid if roll else junk)


def present(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not ABSENT}


kalshi_rows = st.lists(
    st.fixed_dictionaries(
        {
            # Mostly few numbers (so rows share subaccounts), some around the top, 63.
            "subaccount_number": maybe(st.one_of(st.integers(0, 3), st.integers(60, 66))),
            "balance": maybe(valid_numerals, odds=6),
            "updated_ts": maybe(st.integers(0, 4_000_000_000)),
            "exchange_index": st.integers(0, 9).flatmap(
                lambda roll: (
                    junk if roll == 0 else st.just(ABSENT) if roll == 1 else st.integers(0, 2)
                )
            ),
            "extra": st.one_of(st.just(ABSENT), junk),
        }
    ).map(present),
    max_size=4,
)
kalshi_bodies = mostly(st.fixed_dictionaries({"subaccount_balances": mostly(kalshi_rows)}))


def is_int(value: Any, minimum: int = 0) -> bool:
    return type(value) is int and value >= minimum


def is_numeral(value: Any) -> bool:
    return type(value) is str and NUMERAL.fullmatch(value) is not None


KalshiExpected = list[tuple[int, Decimal, datetime, list[tuple[int, Decimal]]]]


def kalshi_oracle(body: Any) -> KalshiExpected | None:
    """What the balances must be (number, total, latest update, shards), computed
    independently; None when the body is invalid."""
    if not isinstance(body, dict) or not isinstance(body.get("subaccount_balances"), list):
        return None
    groups: dict[int, list[tuple[Any, Decimal, int]]] = {}
    for row in body["subaccount_balances"]:
        if not isinstance(row, dict):
            return None
        number, balance = row.get("subaccount_number"), row.get("balance")
        stamp, shard = row.get("updated_ts"), row.get("exchange_index")
        if not (is_int(number) and is_numeral(balance) and is_int(stamp)):
            return None
        if number > 63:  # subaccounts are 0-63
            return None
        # Required since Kalshi's spec 3.22.0: neither absent nor null.
        if "exchange_index" not in row or not is_int(shard):
            return None
        if stamp > 253402300799:  # past year 9999: not a representable time
            return None
        seen = groups.setdefault(number, [])
        if any(s == shard for s, _, _ in seen):
            return None
        seen.append((shard, Decimal(balance), stamp))
    result = []
    for number in sorted(groups):
        amounts = [amount for _, amount, _ in groups[number]]
        total = amounts[0]  # a lone row keeps its exact digits, even "-0"
        for amount in amounts[1:]:
            total = BIG.add(total, amount)
        latest = max(stamp for _, _, stamp in groups[number])
        shards = sorted((shard, amount) for shard, amount, _ in groups[number])
        result.append((number, total, datetime.fromtimestamp(latest, UTC), shards))
    return result


def respond(body: Any) -> Any:
    content = json.dumps(body).encode()
    return lambda request: httpx.Response(
        200, content=content, headers={"content-type": "application/json"}
    )


@BUDGET
@given(body=kalshi_bodies)
def test_kalshi_outcome_is_exact_or_a_typed_error(
    make_client: Any, venues: FakeVenues, body: Any
) -> None:
    venues.kalshi = respond(body)
    expected = kalshi_oracle(body)
    with make_client(max_retries=0) as client:
        try:
            balances = client.kalshi_balances()
        except adapter.MalformedResponseError as error:
            assert expected is None, f"refused a valid body: {error}"
            assert error.venue == "kalshi" and error.field
            tally("property examples: typed error")
            return
    assert expected is not None, f"accepted an invalid body: {body!r}"
    assert [(b.subaccount, b.balance, b.updated_at) for b in balances] == [
        (number, total, latest) for number, total, latest, _ in expected
    ]
    for balance, (_, total, _, shards) in zip(balances, expected, strict=True):
        assert balance.balance.as_tuple() == total.as_tuple()  # the same digits, not just value
        got = [(s.exchange_index, s.balance.as_tuple()) for s in balance.shards]
        assert got == [(shard, amount.as_tuple()) for shard, amount in shards]
        assert balance.primary == (balance.subaccount == 0) and balance.currency == "USD"
    tally("property examples: exact balances")


coin_rows = st.lists(
    st.fixed_dictionaries(
        {
            "coin": maybe(st.sampled_from(["USDT", "USDC", "BTC", "ETH", "SOL", "XRP"])),
            "equity": maybe(valid_numerals),
            "walletBalance": maybe(st.one_of(st.none(), valid_numerals)),
            "unrealisedPnlINR": maybe(st.one_of(st.none(), valid_numerals)),
        }
    ).map(present),
    max_size=3,
)
coinswitch_data = st.fixed_dictionaries(
    {
        "subaccount_id": maybe(st.sampled_from([1001, 1001, 1001, 1002])),
        "usdt_inr_rate": maybe(st.one_of(st.none(), valid_numerals)),
        "is_active": maybe(st.one_of(st.none(), st.booleans())),
        "balance_detail": mostly(
            st.fixed_dictionaries(
                {"totalEquity": maybe(valid_numerals, odds=6), "coin": maybe(coin_rows)}
            ).map(present)
        ),
    }
).map(present)
coinswitch_bodies = mostly(
    st.fixed_dictionaries({"message": st.just("success"), "data": coinswitch_data})
)


def optional_numeral(value: Any) -> bool:
    return value is ABSENT or value is None or is_numeral(value)


def coinswitch_oracle(body: Any) -> tuple[Decimal, Any, Any, list[tuple[str, Decimal]]] | None:
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return None
    data = body["data"]
    detail = data.get("balance_detail")
    if not (isinstance(detail, dict) and is_int(data.get("subaccount_id"))):
        return None
    if data["subaccount_id"] != 1001 or not is_numeral(detail.get("totalEquity")):
        return None
    rate, active = data.get("usdt_inr_rate", ABSENT), data.get("is_active", ABSENT)
    if not optional_numeral(rate) or not (active in (ABSENT, None) or type(active) is bool):
        return None
    coins = detail.get("coin", [])
    if not isinstance(coins, list):
        return None
    assets = []
    for row in coins:
        if not isinstance(row, dict):
            return None
        if not (type(row.get("coin")) is str and row["coin"] and is_numeral(row.get("equity"))):
            return None
        if not optional_numeral(row.get("walletBalance", ABSENT)):
            return None
        if not optional_numeral(row.get("unrealisedPnlINR", ABSENT)):
            return None
        if row["coin"] in [asset for asset, _ in assets]:
            return None
        assets.append((row["coin"], Decimal(row["equity"])))
    return (
        Decimal(detail["totalEquity"]),
        None if rate in (ABSENT, None) else Decimal(rate),
        None if active is ABSENT else active,
        assets,
    )


@BUDGET
@given(body=coinswitch_bodies)
def test_coinswitch_outcome_is_exact_or_a_typed_error(
    make_client: Any, venues: FakeVenues, body: Any
) -> None:
    venues.coinswitch[1001] = respond(body)
    expected = coinswitch_oracle(body)
    with make_client(max_retries=0) as client:
        try:
            balance = client.coinswitch_balance(1001)
        except adapter.MalformedResponseError as error:
            assert expected is None, f"refused a valid body: {error}"
            assert error.venue == "coinswitch_dma" and error.subaccount == 1001 and error.field
            tally("property examples: typed error")
            return
    assert expected is not None, f"accepted an invalid body: {body!r}"
    total, rate, active, assets = expected
    assert (balance.balance, balance.inr_rate, balance.active) == (total, rate, active)
    assert balance.balance.as_tuple() == total.as_tuple()
    assert [(a.asset, a.equity) for a in balance.assets] == assets
    assert (balance.subaccount, balance.currency, balance.primary) == (1001, "USDT", False)
    tally("property examples: exact balances")


def truncated_cents(numeral: str) -> int:
    """A plain numeral's dollars truncated toward zero to the cent, by its digits alone."""
    negative = numeral.startswith("-")
    whole, _, fraction = numeral.lstrip("-").partition(".")
    cents = int(whole + (fraction + "00")[:2])
    return -cents if negative else cents


@st.composite
def get_balance_bodies(draw: st.DrawFn) -> Any:
    """GetBalance bodies: mostly consistent (cents truncated, shards adding up), with
    cents off by one, shards that miss, repeated shards, and junk mixed in."""
    dollars = draw(maybe(valid_numerals, odds=8))
    if is_numeral(dollars):
        off = draw(st.sampled_from([0] * 8 + [-1, 1]))
        cents = draw(maybe(st.just(truncated_cents(dollars) + off), odds=10))
        parts = draw(st.lists(valid_numerals, max_size=3))
        rest = Decimal(dollars)
        for part in parts:
            rest = BIG.subtract(rest, Decimal(part))
        if draw(st.integers(0, 9)) == 0:
            rest = BIG.add(rest, Decimal("0.000001"))  # shards that miss the total
        shards = [*parts, format(rest, "f")]
        unique = draw(st.integers(0, 9)) > 0  # else a shard may repeat
        count = len(shards)
        indexes = draw(st.lists(st.integers(0, 4), min_size=count, max_size=count, unique=unique))
        rows = [
            present({"exchange_index": draw(maybe(st.just(i), odds=25)), "balance": amount})
            for i, amount in zip(indexes, shards, strict=True)
        ]
        breakdown = draw(st.sampled_from([ABSENT, rows, rows, rows, junk]))
        if breakdown is junk:
            breakdown = draw(junk)
    else:
        cents = draw(maybe(st.integers(-(10**6), 10**6)))
        breakdown = ABSENT
    body = {
        "balance": cents,
        "balance_dollars": dollars,
        "portfolio_value": draw(maybe(st.integers(-(10**20), 10**20))),
        "updated_ts": draw(maybe(st.integers(0, 4_000_000_000))),
        "balance_breakdown": breakdown,
    }
    return present(body)


def exact_dollars(cents: int) -> Decimal:
    sign = "-" if cents < 0 else ""
    return Decimal(f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}")


def get_balance_oracle(
    body: Any,
) -> tuple[Decimal, Decimal, datetime, list[tuple[int, Decimal]]] | None:
    """Cash, portfolio value, update and shards a GetBalance body must give; None when
    the body is invalid."""
    if not isinstance(body, dict):
        return None
    cents, dollars = body.get("balance"), body.get("balance_dollars")
    portfolio, stamp = body.get("portfolio_value"), body.get("updated_ts")
    if not (type(cents) is int and type(portfolio) is int and is_numeral(dollars)):
        return None
    if not is_int(stamp) or stamp > 253402300799:
        return None
    if truncated_cents(dollars) != cents:
        return None
    shards: list[tuple[int, Decimal]] = []
    rows = body.get("balance_breakdown", [])
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not (isinstance(row, dict) and is_int(row.get("exchange_index"))):
            return None
        if not is_numeral(row.get("balance")):
            return None
        if row["exchange_index"] in [index for index, _ in shards]:
            return None
        shards.append((row["exchange_index"], Decimal(row["balance"])))
    total = Decimal(0)
    for _, amount in shards:
        total = BIG.add(total, amount)
    if "balance_breakdown" in body and total != Decimal(dollars):
        return None
    when = datetime.fromtimestamp(stamp, UTC)
    return Decimal(dollars), exact_dollars(portfolio), when, sorted(shards)


@BUDGET
@given(body=get_balance_bodies())
def test_kalshi_get_balance_is_exact_or_a_typed_error(
    make_client: Any, venues: FakeVenues, body: Any
) -> None:
    venues.kalshi_balance[5] = respond(body)
    expected = get_balance_oracle(body)
    with make_client(max_retries=0) as client:
        try:
            balance = client.kalshi_balance(5)
        except adapter.MalformedResponseError as error:
            assert expected is None, f"refused a valid body: {error}"
            assert error.venue == "kalshi" and error.subaccount == 5 and error.field
            tally("property examples: typed error")
            return
    assert expected is not None, f"accepted an invalid body: {body!r}"
    cash, portfolio, when, shards = expected
    assert balance.portfolio_value is not None
    assert balance.balance.as_tuple() == cash.as_tuple()  # the same digits, not just value
    assert balance.portfolio_value.as_tuple() == portfolio.as_tuple()
    assert balance.updated_at == when
    assert [(s.exchange_index, s.balance.as_tuple()) for s in balance.shards] == [
        (index, amount.as_tuple()) for index, amount in shards
    ]
    assert (balance.subaccount, balance.primary, balance.currency) == (5, False, "USD")
    tally("property examples: exact balances")

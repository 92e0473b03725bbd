"""Property-based: generated Kalshi bodies, valid and hostile, through the client end to end.

Every outcome must be either exactly what an independent oracle computes from the body,
or a typed MalformedResponseError when the oracle finds the body invalid. The example
budget is fixed and derandomized, so a run is reproducible.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import adapter
from tests.fake_venues import FakeVenues
from tests.properties import (
    ABSENT,
    BUDGET,
    is_int,
    is_numeral,
    junk,
    maybe,
    mostly,
    present,
    respond,
    valid_numerals,
)
from tests.reliability import tally

BIG = Context(prec=10_000)


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


# Issue "Hardening": shard amounts of up to a million digits, in a body under 1 MiB ------

UNBOUNDED = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def numeral_of(sign: str, pattern: str, digits: int, percent_fraction: int) -> str:
    """A numeral of `digits` digits (a pattern repeated), that share of them after the point."""
    fraction = digits * percent_fraction // 100
    whole = max(digits - fraction, 1)
    text = (pattern * (whole // len(pattern) + 1))[:whole]
    if fraction:
        text += "." + (pattern * (fraction // len(pattern) + 1))[:fraction]
    return sign + text


def numerals_up_to(digits: int) -> st.SearchStrategy[tuple[str, str, int, int]]:
    """How to build a numeral of up to `digits` digits, often near that many (where the
    limits are); kept as the arguments of `numeral_of` so that a failure prints short."""
    return st.tuples(
        st.sampled_from(["", "-"]),
        st.from_regex(r"[0-9]{1,8}", fullmatch=True),
        st.one_of(st.integers(1, digits), st.integers(digits * 99 // 100, digits)),
        st.one_of(st.just(0), st.integers(0, 100)),
    )


@settings(BUDGET, max_examples=25)
@given(
    specs=st.tuples(numerals_up_to(1_010_000), numerals_up_to(5_000)).flatmap(
        lambda two: st.permutations(two)
    )
)
def test_huge_shard_amounts_sum_exactly(
    make_client: Any, venues: FakeVenues, specs: list[tuple[str, str, int, int]]
) -> None:
    shards = [numeral_of(*spec) for spec in specs]
    rows = [
        {"subaccount_number": 0, "balance": b, "updated_ts": 1, "exchange_index": i}
        for i, b in enumerate(shards)
    ]
    venues.kalshi = respond({"subaccount_balances": rows})
    expected = Decimal(shards[0])
    for shard in shards[1:]:
        expected = UNBOUNDED.add(expected, Decimal(shard))
    with make_client(max_retries=0) as client:
        [balance] = client.kalshi_balances()
    assert balance.balance == expected
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

"""Property-based: generated bodies, valid and hostile, through both mappings end to end.

Every outcome must be either exactly what an independent oracle computes from the body,
or a typed MalformedResponseError when the oracle finds the body invalid. The example
budget is fixed and derandomized, so a run is reproducible.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapter
from tests.fake_venues import CS_PUBLIC, CS_SECRET, FakeVenues, cs_body, edited
from tests.reliability import UNPRINTABLE, tally

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


# Issue "Hardening": Retry-After values a hostile server may send, on a 429 --------------

digits = st.from_regex(r"[0-9]{1,25}", fullmatch=True)
http_dates = st.builds(
    "{}, {} {} {} {}:{}:{} {}".format,
    st.sampled_from(["Mon", "Sun", "Xyz"]),
    digits,
    st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
    digits,
    digits,
    digits,
    digits,
    st.one_of(
        st.sampled_from(["GMT", "UT", "EST", "+0000", "-2359", ""]),
        digits.map(lambda n: "+" + n),
        digits.map(lambda n: "-" + n),
    ),
)
retry_after_values = st.one_of(
    http_dates, digits, st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
)


@BUDGET
@given(value=retry_after_values)
def test_any_retry_after_gives_a_typed_error(
    make_client: Any, venues: FakeVenues, value: str
) -> None:
    venues.kalshi = lambda request: httpx.Response(
        429,
        content=b'{"error": "too many requests"}',
        headers=[(b"content-type", b"application/json"), (b"retry-after", value.encode("latin-1"))],
    )
    with make_client(max_retries=0) as client:
        try:
            client.kalshi_balances()
        except adapter.RateLimitedError as error:
            seconds = error.retry_after
        else:
            raise AssertionError("a 429 gave balances")
    stripped = value.strip(" \t")
    if stripped.isascii() and stripped.isdigit():
        assert seconds == float(stripped)
    else:
        assert seconds is None or 0 <= seconds < float("inf")
    tally("property examples: hostile headers")


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


# Issue "Hardening": objects whose keys may repeat, anywhere ----------------------------


@BUDGET
@given(keys=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "é", "\u202e", ""]), max_size=12))
def test_a_repeated_key_is_named(make_client: Any, venues: FakeVenues, keys: list[str]) -> None:
    text = "{" + ",".join(f"{json.dumps(key)}: {index}" for index, key in enumerate(keys)) + "}"
    venues.kalshi = lambda request: httpx.Response(
        200, content=text.encode(), headers={"content-type": "application/json"}
    )
    # The oracle: the first key met a second time, reading left to right.
    repeated = next((key for i, key in enumerate(keys) if key in keys[:i]), None)
    with make_client(max_retries=0) as client:
        try:
            client.kalshi_balances()
        except adapter.MalformedResponseError as error:
            message = error.message
        else:
            raise AssertionError("balances from an object without subaccount_balances")
    if repeated is None:
        assert "subaccount_balances" in message
    else:
        assert f"duplicate key {repeated!r}" in message
    tally("property examples: typed error")


# Issue "Hardening": Content-Encoding stacks, readable or not ---------------------------

CODINGS = ["gzip", "GZIP", "x-gzip", "deflate", "identity", "br", "zstd"]
ENCODE = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "x-gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "identity": lambda data: data,
}


class Raw(httpx.SyncByteStream):
    """A body as sent on the wire (httpx does not read and decode it when built)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self._data


@BUDGET
@given(codings=st.lists(st.sampled_from(CODINGS), max_size=6), status=st.sampled_from([200, 404]))
def test_content_codings_are_undone_or_refused(
    make_client: Any, venues: FakeVenues, codings: list[str], status: int
) -> None:
    row = {"subaccount_number": 0, "exchange_index": 0, "balance": "7.25", "updated_ts": 1}
    text = {"subaccount_balances": [row]} if status == 200 else {"message": "gone"}
    data = json.dumps(text).encode()
    for coding in codings:  # as a server applies them, in the order it names them
        data = ENCODE.get(coding.lower(), lambda data: data)(data)
    headers = {"content-type": "application/json", "content-encoding": ", ".join(codings)}
    venues.kalshi = lambda request: httpx.Response(status, stream=Raw(data), headers=headers)
    # The oracle: undone when at most 4 layers, each gzip or deflate; else the text is refused
    # (a 200 is malformed, naming the last unreadable coding; an error page keeps its status).
    layers = [coding.lower() for coding in codings if coding != "identity"]
    unreadable = [coding for coding in layers if coding not in ENCODE]
    with make_client(max_retries=0) as client:
        try:
            balances = client.kalshi_balances()
        except adapter.AdapterError as error:
            outcome: Any = error
        else:
            outcome = [(b.subaccount, str(b.balance)) for b in balances]
    if status == 404:
        assert type(outcome) is adapter.NotFoundError and outcome.status == 404
        refused = len(layers) > 4 or unreadable
        assert outcome.message == ("Not Found" if refused else "gone")
    elif len(layers) > 4:
        assert type(outcome) is adapter.MalformedResponseError
        assert f"{len(layers)} content codings" in outcome.message
    elif unreadable:
        assert type(outcome) is adapter.MalformedResponseError
        assert f"encoded as {unreadable[-1]!r}" in outcome.message
    else:
        assert outcome == [(0, "7.25")]
    tally("property examples: content codings")


# Issue "Hardening": any venue text, printed on a terminal ------------------------------


def shown(text: str) -> str:
    """The oracle of `fields.printable`, character by character."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if UNPRINTABLE.fullmatch(c) or c == "\n"
        else c
        for c in text
    )


@BUDGET
@given(message=st.text(max_size=40), coin=st.text(min_size=1, max_size=12))
def test_venue_text_is_printed_safely(
    make_client: Any, venues: FakeVenues, message: str, coin: str
) -> None:
    from adapter.render import as_csv, as_table, failure_line

    venues.kalshi = lambda request: httpx.Response(400, json={"message": message})
    venues.coinswitch[1001] = edited(cs_body(1001), "data.balance_detail.coin.0.coin", coin)
    with make_client(max_retries=0) as client:
        report = client.all_balances([1001])
    [failure] = report.errors
    collapsed = " ".join(message.split())
    assert failure.error.message == (shown(collapsed) if collapsed else "Bad Request")
    assert report.balances[0].assets[0].asset == coin  # the domain keeps the venue's text
    table = as_table(report)
    for text in (table, as_csv(report), failure_line(failure)):
        assert not UNPRINTABLE.search(text), text
    # No line added or taken away: balance, totals (Kalshi's marked incomplete), asset.
    assert table.count("\n") == 11
    tally("property examples: venue text printed")


# Issue "Hardening": base URLs, with and without a query, fragment or user name ----------

base_urls = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "ftp", "HTTPS"]),
    st.sampled_from(["", "user@", "user:s3cret@", "@", ":s3cret@"]),
    st.sampled_from(["kalshi.test", "127.0.0.1:8080", "[::1]", ""]),
    st.sampled_from(["", "/", "/trade-api/v2", "/a%3Fb"]),
    st.sampled_from(["", "?", "?x=1", "?token=s3cret"]),
    st.sampled_from(["", "#", "#top"]),
)


@BUDGET
@given(url=st.one_of(base_urls, st.text(max_size=30)))
def test_a_base_url_is_a_plain_http_base_or_refused(url: str) -> None:
    environ = {"COINSWITCH_API_KEY": CS_PUBLIC, "COINSWITCH_SECRET_KEY": CS_SECRET}
    try:
        client = adapter.BalanceClient.from_env({**environ, "KALSHI_BASE_URL": url})
    except adapter.ConfigurationError as error:
        assert "KALSHI_BASE_URL" in error.message
        assert "s3cret" not in error.message or "://" not in url.strip()
        tally("property examples: base URLs")
        return
    client.close()
    if url.strip():  # else unset: the default
        parsed = httpx.URL(url.strip())
        assert parsed.scheme in ("http", "https") and parsed.host
        assert not ({"?", "#", "@"} & set(url)), url
    tally("property examples: base URLs")


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

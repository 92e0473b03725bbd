"""A catalogue of hostile responses, for both venues: each gives the right typed error,
naming venue, endpoint, subaccount and field, or the exact right number; nothing else
ever leaves the public API."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import struct
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

import adapter
from tests.fake_venues import FakeVenues, cs_body, edited, kalshi_row
from tests.reliability import UNPRINTABLE, tally

ENDPOINT = {
    "kalshi": "GET /portfolio/subaccounts/balances",
    "coinswitch_dma": "GET /dma/api/v1/master/subaccount/balance",
}
BAD_NUMERALS = [
    "NaN",
    "Infinity",
    "1e5",
    "",
    " 1",
    "1,000.00",
    "+1",
    ".5",
    "0x1F",
    "\u0661",
]  # the last: an Arabic-Indic digit
FORTY = "1234567890123456789012345678901234.567890"  # 40 digits
DEADLINE = 2.0  # seconds: every hostile answer must end the call by then (+ SLACK)
SLACK = 0.25


class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that stops half way: the connection closed mid-body."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"subaccount_balances": [{"subacc'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    async def __aiter__(self) -> Any:
        yield b'{"message": "success", "da'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class Raw(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body as it comes off the wire: unlike `content=`, httpx does not read (and decode)
    it when the response is built."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self._data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def encoded_reply(status: int, data: bytes, encoding: str) -> Any:
    """A reply whose body is `data` as sent, labelled with a Content-Encoding."""
    headers = [
        ("content-type", "application/json"),
        ("content-encoding", encoding),
        ("content-length", str(len(data))),
    ]
    return lambda request: httpx.Response(status, stream=Raw(data), headers=headers)


@functools.cache
def gzip_bomb() -> bytes:
    """gzip(gzip(1 GiB of zeros)) in 2.5 KB, built without holding 1 GiB (a repeated
    byte-aligned deflate segment of 1 MiB of zeros, then the final block and trailer)."""
    mib, size = b"\0" * 2**20, 2**30
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // len(mib)):
        crc = zlib.crc32(mib, crc)
    inner = (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + segment * (size // len(mib))
        + zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
        + struct.pack("<II", crc, size & 0xFFFFFFFF)
    )
    return gzip.compress(inner, mtime=0)


def bomb_reply(status: int) -> Any:
    return lambda request: encoded_reply(status, gzip_bomb(), "gzip, gzip")(request)


def reply(status: int, content: bytes, content_type: str = "application/json") -> Any:
    return lambda request: httpx.Response(
        status, content=content, headers={"content-type": content_type}
    )


def json_reply(body: Any, status: int = 200) -> Any:
    return reply(status, json.dumps(body).encode())


def headed_reply(status: int, content: bytes, *headers: tuple[str, str]) -> Any:
    """A reply with extra headers (content type JSON)."""
    return lambda request: httpx.Response(
        status, content=content, headers=[("content-type", "application/json"), *headers]
    )


HUGE = "9" * 20  # no calendar holds a year, hour or zone offset of 20 digits


def kalshi_with(**row: Any) -> dict[str, Any]:
    base = kalshi_row(0, "10.00")
    base.update(row)
    return {"subaccount_balances": [{k: v for k, v in base.items() if v is not ...}]}


def cs_with(path: str, value: Any) -> dict[str, Any]:
    return edited(cs_body(1001), path, value)


HTML = b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"

# (id, responder, error class, field or None, message fragment)
COMMON: list[tuple[str, Any, type[adapter.AdapterError], str | None, str]] = [
    (
        "not-json",
        reply(200, b"balance: 10"),
        adapter.MalformedResponseError,
        None,
        "not valid JSON",
    ),
    ("html-200", reply(200, HTML, "text/html"), adapter.MalformedResponseError, None, "text/html"),
    ("html-200-as-json", reply(200, HTML), adapter.MalformedResponseError, None, "not valid JSON"),
    ("html-502", reply(502, HTML, "text/html"), adapter.VenueUnavailableError, None, "Bad Gateway"),
    ("empty-body", reply(200, b""), adapter.MalformedResponseError, None, "not valid JSON"),
    (
        "wrong-content-type",
        reply(200, b"{}", "text/plain"),
        adapter.MalformedResponseError,
        None,
        "text/plain",
    ),
    (
        "invalid-utf8",
        reply(200, b'{"message": "\xc3\x28"}'),
        adapter.MalformedResponseError,
        None,
        "UTF-8",
    ),
    (
        "over-1MiB",
        reply(200, b"[" + b" " * (1024 * 1024) + b"]"),
        adapter.MalformedResponseError,
        None,
        "1024 KiB",
    ),
    (
        "status-418",
        json_reply({"message": "teapot"}, 418),
        adapter.VenueUnavailableError,
        None,
        "418",
    ),
    ("status-520", reply(520, b""), adapter.VenueUnavailableError, None, "520"),
    (
        "closed-mid-body",
        lambda r: httpx.Response(200, stream=Broken()),
        adapter.VenueUnavailableError,
        None,
        "connection failed",
    ),
    ("json-array", json_reply([1, 2]), adapter.MalformedResponseError, "body", "an array"),
    *[
        (
            f"retry-after-huge-{field}-{status}",
            headed_reply(status, b'{"message": "wait"}', ("retry-after", date)),
            error,
            None,
            "wait",
        )
        for field, date in [
            ("year", f"Mon, 01 Jan {HUGE} 00:00:00 GMT"),
            ("hour", f"Mon, 01 Jan 2030 {HUGE}:00:00 GMT"),
            ("zone", f"Mon, 01 Jan 2030 00:00:00 +{HUGE}"),
        ]
        for status, error in [
            (429, adapter.RateLimitedError),
            (503, adapter.VenueUnavailableError),
            (404, adapter.NotFoundError),
        ]
    ],
    (
        "gzip-bomb-200",
        bomb_reply(200),
        adapter.MalformedResponseError,
        None,
        "larger than 1024 KiB",
    ),
    ("gzip-bomb-500", bomb_reply(500), adapter.VenueUnavailableError, None, "Server Error"),
    (
        "br-200",
        encoded_reply(200, b'{"subaccount_balances": []}', "br"),
        adapter.MalformedResponseError,
        None,
        "encoded as 'br'",
    ),
    ("br-404", encoded_reply(404, b'{"message": "x"}', "br"), adapter.NotFoundError, None, "Not"),
    (
        "not-gzip-200",
        encoded_reply(200, b'{"subaccount_balances": []}', "gzip"),
        adapter.MalformedResponseError,
        None,
        "not valid gzip",
    ),
    (
        "terminal-controls-in-error-text",
        json_reply({"message": "\x1b[2J\u202eboom\x07\x9b\x00"}, 400),
        adapter.BadRequestError,
        None,
        "\\x1b[2J\\u202eboom\\x07\\x9b\\x00",
    ),
    (
        "duplicate-key-last-of-100000",
        reply(
            200,
            ("{" + ",".join(f'"{n}":0' for n in [*range(99_999), 99_998]) + "}").encode(),
        ),
        adapter.MalformedResponseError,
        None,
        "duplicate key '99998'",
    ),
    (
        "nested-too-deep",
        reply(200, b"[" * 50_000 + b"]" * 50_000),
        adapter.MalformedResponseError,
        None,
        "not valid JSON",
    ),
]

KALSHI: list[tuple[str, Any, type[adapter.AdapterError], str | None, str]] = [
    *COMMON,
    (
        "missing-list",
        json_reply({}),
        adapter.MalformedResponseError,
        "subaccount_balances",
        "missing",
    ),
    (
        "object-for-list",
        json_reply({"subaccount_balances": {"0": kalshi_row(0, "1")}}),
        adapter.MalformedResponseError,
        "subaccount_balances",
        "expected an array",
    ),
    (
        "missing-balance",
        json_reply(kalshi_with(balance=...)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "missing",
    ),
    (
        "missing-updated-ts",
        json_reply(kalshi_with(updated_ts=...)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].updated_ts",
        "missing",
    ),
    (
        "null-balance",
        json_reply(kalshi_with(balance=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "null",
    ),
    (
        "null-subaccount",
        json_reply(kalshi_with(subaccount_number=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "null",
    ),
    (
        "number-for-amount",
        json_reply(kalshi_with(balance=10.5)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "a number",
    ),
    (
        "integer-cents-for-amount",
        json_reply(kalshi_with(balance=1050)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].balance",
        "a number",
    ),
    (
        "string-for-updated-ts",
        json_reply(kalshi_with(updated_ts="1763751540")),
        adapter.MalformedResponseError,
        "subaccount_balances[0].updated_ts",
        "the string",
    ),
    (
        "bool-for-subaccount",
        json_reply(kalshi_with(subaccount_number=False)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "a boolean",
    ),
    (
        "duplicate-rows",
        json_reply({"subaccount_balances": [kalshi_row(0, "1"), kalshi_row(0, "2")]}),
        adapter.MalformedResponseError,
        "subaccount_balances[1]",
        "repeats subaccount 0",
    ),
    (
        "duplicate-shard-rows",
        json_reply(
            {
                "subaccount_balances": [
                    kalshi_row(0, "1", exchange_index=0),
                    kalshi_row(0, "1", exchange_index=1),
                    kalshi_row(0, "2", exchange_index=1),
                ]
            }
        ),
        adapter.MalformedResponseError,
        "subaccount_balances[2]",
        "repeats subaccount 0 on exchange_index 1",
    ),
    (
        "subaccount-64",
        json_reply(kalshi_with(subaccount_number=64)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].subaccount_number",
        "0-63",
    ),
    (
        "null-exchange-index",
        json_reply(kalshi_with(exchange_index=None)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].exchange_index",
        "null",
    ),
    (
        "negative-exchange-index",
        json_reply(kalshi_with(exchange_index=-1)),
        adapter.MalformedResponseError,
        "subaccount_balances[0].exchange_index",
        ">= 0",
    ),
    (
        "duplicate-key",
        reply(200, b'{"subaccount_balances": [], "subaccount_balances": []}'),
        adapter.MalformedResponseError,
        None,
        "duplicate key",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(kalshi_with(balance=n)),
            adapter.MalformedResponseError,
            "subaccount_balances[0].balance",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]

COINSWITCH: list[tuple[str, Any, type[adapter.AdapterError], str | None, str]] = [
    *COMMON,
    (
        "missing-data",
        json_reply({"message": "success"}),
        adapter.MalformedResponseError,
        "data",
        "missing",
    ),
    (
        "missing-total",
        json_reply(cs_with("data.balance_detail.totalEquity", ...)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "missing",
    ),
    (
        "missing-coin-equity",
        json_reply(cs_with("data.balance_detail.coin.0.equity", ...)),
        adapter.MalformedResponseError,
        "data.balance_detail.coin[0].equity",
        "missing",
    ),
    (
        "null-total",
        json_reply(cs_with("data.balance_detail.totalEquity", None)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "null",
    ),
    (
        "null-subaccount",
        json_reply(cs_with("data.subaccount_id", None)),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "null",
    ),
    (
        "number-for-amount",
        json_reply(cs_with("data.balance_detail.totalEquity", 5000)),
        adapter.MalformedResponseError,
        "data.balance_detail.totalEquity",
        "a number",
    ),
    (
        "number-for-rate",
        json_reply(cs_with("data.usdt_inr_rate", 84.5)),
        adapter.MalformedResponseError,
        "data.usdt_inr_rate",
        "a number",
    ),
    (
        "string-for-subaccount",
        json_reply(cs_with("data.subaccount_id", "1001")),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "the string",
    ),
    (
        "object-for-coin-list",
        json_reply(cs_with("data.balance_detail.coin", {"coin": "USDT"})),
        adapter.MalformedResponseError,
        "data.balance_detail.coin",
        "expected an array",
    ),
    (
        "string-for-active",
        json_reply(cs_with("data.is_active", "true")),
        adapter.MalformedResponseError,
        "data.is_active",
        "the string",
    ),
    (
        "another-subaccount",
        json_reply(cs_body(1002)),
        adapter.MalformedResponseError,
        "data.subaccount_id",
        "1002",
    ),
    (
        "duplicate-coin",
        json_reply(
            cs_with(
                "data.balance_detail.coin",
                [{"coin": "USDT", "equity": "1"}, {"coin": "USDT", "equity": "2"}],
            )
        ),
        adapter.MalformedResponseError,
        "data.balance_detail.coin[1]",
        "repeats coin",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(cs_with("data.balance_detail.totalEquity", n)),
            adapter.MalformedResponseError,
            "data.balance_detail.totalEquity",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]


def get_balance_with(**fields: Any) -> dict[str, Any]:
    """A consistent GetBalance body of 12.349 dollars, with fields replaced (`...` drops)."""
    body = {
        "balance": 1234,
        "balance_dollars": "12.349",
        "portfolio_value": 12345,
        "updated_ts": 1763751540,
        "balance_breakdown": [
            {"exchange_index": 0, "balance": "12.00"},
            {"exchange_index": 1, "balance": "0.349"},
        ],
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


def breakdown(*shards: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"exchange_index": index, "balance": dollars} for index, dollars in shards]


# Kalshi's GetBalance, read by kalshi_balance(3).
KALSHI_GET_BALANCE: list[tuple[str, Any, type[adapter.AdapterError], str | None, str]] = [
    *COMMON,
    (
        "not-found",
        json_reply({"code": "not_found", "message": "subaccount not found", "details": ""}, 404),
        adapter.NotFoundError,
        None,
        "subaccount not found",
    ),
    (
        "missing-dollars",
        json_reply(get_balance_with(balance_dollars=...)),
        adapter.MalformedResponseError,
        "balance_dollars",
        "missing",
    ),
    (
        "cents-rounded-not-truncated",
        json_reply(get_balance_with(balance=1235)),
        adapter.MalformedResponseError,
        "balance",
        "disagrees with balance_dollars",
    ),
    (
        "dollars-given-as-cents",
        json_reply(get_balance_with(balance=12)),
        adapter.MalformedResponseError,
        "balance",
        "disagrees with balance_dollars",
    ),
    (
        "string-cents",
        json_reply(get_balance_with(balance="1234")),
        adapter.MalformedResponseError,
        "balance",
        "the string",
    ),
    (
        "bool-cents",
        json_reply(get_balance_with(balance=True)),
        adapter.MalformedResponseError,
        "balance",
        "a boolean",
    ),
    (
        "missing-portfolio-value",
        json_reply(get_balance_with(portfolio_value=...)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "missing",
    ),
    (
        "dollar-string-portfolio-value",
        json_reply(get_balance_with(portfolio_value="123.45")),
        adapter.MalformedResponseError,
        "portfolio_value",
        "the string",
    ),
    (
        "fractional-portfolio-value",
        json_reply(get_balance_with(portfolio_value=123.45)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "a number",
    ),
    (
        "null-portfolio-value",
        json_reply(get_balance_with(portfolio_value=None)),
        adapter.MalformedResponseError,
        "portfolio_value",
        "null",
    ),
    (
        "shards-short-by-a-millionth",
        json_reply(get_balance_with(balance_breakdown=breakdown((0, "12.00"), (1, "0.348999")))),
        adapter.MalformedResponseError,
        "balance_breakdown",
        "add up to",
    ),
    (
        "repeated-shard",
        json_reply(get_balance_with(balance_breakdown=breakdown((1, "12.00"), (1, "0.349")))),
        adapter.MalformedResponseError,
        "balance_breakdown[1]",
        "repeats exchange_index 1",
    ),
    (
        "null-shard-index",
        json_reply(get_balance_with(balance_breakdown=breakdown((None, "12.349")))),
        adapter.MalformedResponseError,
        "balance_breakdown[0].exchange_index",
        "null",
    ),
    (
        "null-breakdown",
        json_reply(get_balance_with(balance_breakdown=None)),
        adapter.MalformedResponseError,
        "balance_breakdown",
        "null",
    ),
    (
        "cents-in-breakdown",
        json_reply(get_balance_with(balance_breakdown=breakdown((0, 1234)))),
        adapter.MalformedResponseError,
        "balance_breakdown[0].balance",
        "a number",
    ),
    *[
        (
            f"numeral-{n!r}",
            json_reply(get_balance_with(balance_dollars=n)),
            adapter.MalformedResponseError,
            "balance_dollars",
            "decimal string",
        )
        for n in BAD_NUMERALS
    ],
]

CASES = [("kalshi", *case) for case in KALSHI] + [("coinswitch_dma", *case) for case in COINSWITCH]


def call(client: adapter.BalanceClient, venue: str) -> Any:
    return client.kalshi_balances() if venue == "kalshi" else client.coinswitch_balance(1001)


@pytest.mark.parametrize(
    ("venue", "name", "responder", "error", "field", "fragment"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_hostile_response(
    make_client: Callable[..., adapter.BalanceClient],
    venues: FakeVenues,
    venue: str,
    name: str,
    responder: Any,
    error: type[adapter.AdapterError],
    field: str | None,
    fragment: str,
) -> None:
    if venue == "kalshi":
        venues.kalshi = responder
    else:
        venues.coinswitch[1001] = responder
    with make_client(max_retries=1, timeout=DEADLINE) as client:
        started = time.perf_counter()
        try:
            result = call(client, venue)
        except adapter.AdapterError as caught:
            failure = caught
        except BaseException as escaped:  # the point of the test
            pytest.fail(f"{type(escaped).__name__} escaped the public API: {escaped}")
        else:
            pytest.fail(f"no error for a hostile response; got {result!r}")
        assert time.perf_counter() - started <= DEADLINE + SLACK
    assert type(failure) is error
    assert failure.venue == venue
    assert failure.endpoint == ENDPOINT[venue]
    assert failure.subaccount == (None if venue == "kalshi" else 1001)
    assert fragment in failure.message, failure.message
    assert not UNPRINTABLE.search(str(failure)), str(failure)
    if field is not None:
        assert isinstance(failure, adapter.MalformedResponseError)
        assert failure.field == field
        assert field in str(failure)
    tally("hostile responses tried")


@pytest.mark.parametrize(
    ("name", "responder", "error", "field", "fragment"),
    KALSHI_GET_BALANCE,
    ids=[case[0] for case in KALSHI_GET_BALANCE],
)
def test_hostile_get_balance(
    make_client: Callable[..., adapter.BalanceClient],
    venues: FakeVenues,
    name: str,
    responder: Any,
    error: type[adapter.AdapterError],
    field: str | None,
    fragment: str,
) -> None:
    venues.kalshi_balance[3] = responder
    with make_client(max_retries=1) as client:
        try:
            result = client.kalshi_balance(3)
        except adapter.AdapterError as caught:
            failure = caught
        except BaseException as escaped:  # the point of the test
            pytest.fail(f"{type(escaped).__name__} escaped the public API: {escaped}")
        else:
            pytest.fail(f"no error for a hostile response; got {result!r}")
    assert type(failure) is error
    assert (failure.venue, failure.endpoint, failure.subaccount) == (
        "kalshi",
        "GET /portfolio/balance",
        3,
    )
    assert fragment in failure.message, failure.message
    if field is not None:
        assert isinstance(failure, adapter.MalformedResponseError)
        assert failure.field == field
        assert field in str(failure)
    tally("hostile responses tried")


def test_hostile_get_balance_async(make_async_client: Any, venues: FakeVenues) -> None:
    """The GetBalance catalogue through the async client."""

    async def main() -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        async with make_async_client(max_retries=1) as client:
            for _, responder, *_ in KALSHI_GET_BALANCE:
                venues.kalshi_balance[3] = responder
                try:
                    await client.kalshi_balance(3)
                    outcomes.append(None)
                except BaseException as exc:
                    outcomes.append(exc)
        return outcomes

    for (name, _, error, field, fragment), outcome in zip(
        KALSHI_GET_BALANCE, asyncio.run(main()), strict=True
    ):
        assert type(outcome) is error, (name, outcome)
        assert isinstance(outcome, adapter.AdapterError) and outcome.subaccount == 3
        assert fragment in outcome.message, (name, outcome.message)
        assert field is None or getattr(outcome, "field", None) == field
        tally("hostile responses tried")


@pytest.mark.parametrize("venue", ["kalshi", "coinswitch_dma"])
def test_hostile_response_async(make_async_client: Any, venues: FakeVenues, venue: str) -> None:
    """The same catalogue through the async client."""
    cases = KALSHI if venue == "kalshi" else COINSWITCH

    async def main() -> list[tuple[BaseException | None, float]]:
        outcomes: list[tuple[BaseException | None, float]] = []
        async with make_async_client(max_retries=1, timeout=DEADLINE) as client:
            for _, responder, *_ in cases:
                if venue == "kalshi":
                    venues.kalshi = responder
                else:
                    venues.coinswitch[1001] = responder
                started = time.perf_counter()
                outcome: BaseException | None = None
                try:
                    if venue == "kalshi":
                        await client.kalshi_balances()
                    else:
                        await client.coinswitch_balance(1001)
                except BaseException as exc:
                    outcome = exc
                outcomes.append((outcome, time.perf_counter() - started))
        return outcomes

    for (name, _, error, field, fragment), (outcome, seconds) in zip(
        cases, asyncio.run(main()), strict=True
    ):
        assert type(outcome) is error, (name, outcome)
        assert seconds <= DEADLINE + SLACK, (name, seconds)
        assert isinstance(outcome, adapter.AdapterError)
        assert fragment in outcome.message, (name, outcome.message)
        assert not UNPRINTABLE.search(str(outcome)), (name, str(outcome))
        assert field is None or getattr(outcome, "field", None) == field
        tally("hostile responses tried")


def test_forty_digit_amounts_are_exact(make_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = {
        "subaccount_balances": [
            kalshi_row(0, FORTY, exchange_index=0),
            kalshi_row(0, "0.000001", exchange_index=1),
        ]
    }
    body = cs_body(1001, total=FORTY)
    body["data"]["balance_detail"]["coin"][0]["walletBalance"] = "-" + FORTY
    venues.coinswitch[1001] = body
    with make_client() as client:
        [kalshi] = client.kalshi_balances()
        coinswitch = client.coinswitch_balance(1001)
    assert str(kalshi.balance) == "1234567890123456789012345678901234.567891"
    assert str(coinswitch.balance) == FORTY
    assert coinswitch.assets[0].wallet_balance == Decimal("-" + FORTY)
    tally("hostile responses tried", 2)


def test_million_digit_shards_are_exact(make_client: Any, venues: FakeVenues) -> None:
    """Two shard rows, one of 1,000,001 digits (a body under 1 MiB): past the default
    decimal context's exponent limit, so a naive sum traps; the total is exact."""
    million = "1" * 1_000_001
    venues.kalshi = {
        "subaccount_balances": [
            kalshi_row(0, million, exchange_index=0),
            kalshi_row(0, "-0.25", exchange_index=1),
        ]
    }
    with make_client() as client:
        [kalshi] = client.kalshi_balances()
    assert kalshi.balance == Decimal(million[:-1] + "0.75")
    tally("hostile responses tried")

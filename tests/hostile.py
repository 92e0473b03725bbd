"""Hostile venue answers: responders that build them, the cases every endpoint must
survive (`COMMON`), and the checks each case is put through, sync and async."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import struct
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

import adapter
from tests.fake_venues import FakeVenues
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
def gzip_bomb(size: int = 2**30, layers: int = 2) -> bytes:
    """gzip(...gzip(b"\\0" * size)): 2.5 KB for 1 GiB with two layers. Built without ever
    holding `size` bytes: the inner deflate stream is one byte-aligned segment (1 MiB of
    zeros, full flush) repeated, then an empty final block and the gzip trailer."""
    mib = b"\0" * 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // len(mib)):
        crc = zlib.crc32(mib, crc)
    data = (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header: deflate, no name, no time
        + segment * (size // len(mib))
        + zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # the final block
        + struct.pack("<II", crc, size & 0xFFFFFFFF)
    )
    for _ in range(layers - 1):
        data = gzip.compress(data, mtime=0)
    return data


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

Case = tuple[str, Any, type[adapter.AdapterError], str | None, str]
"""A hostile case: (id, responder, error class, field or None, message fragment)."""

HTML = b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"

# (id, responder, error class, field or None, message fragment)
COMMON: list[Case] = [
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
        "larger than 1024 KiB",
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


def call(client: adapter.BalanceClient, venue: str) -> Any:
    return client.kalshi_balances() if venue == "kalshi" else client.coinswitch_balance(1001)


def check_hostile_response(
    make_client: Callable[..., adapter.BalanceClient],
    venues: FakeVenues,
    venue: str,
    responder: Any,
    error: type[adapter.AdapterError],
    field: str | None,
    fragment: str,
) -> None:
    """One hostile answer to `venue`'s balance call, through the sync client: the right typed
    error naming venue, endpoint, subaccount and field, in time, and printable."""
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


def check_hostile_responses_async(
    make_async_client: Callable[..., adapter.AsyncBalanceClient],
    venues: FakeVenues,
    venue: str,
    cases: list[Case],
) -> None:
    """A catalogue of hostile answers to `venue`'s balance call through one async client:
    what `check_hostile_response` holds of each, and in time."""

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

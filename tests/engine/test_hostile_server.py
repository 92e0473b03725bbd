"""What an independent hostile HTTP server found (the hardening round), each case through
the public API (sync and async) against the sandbox over real HTTP, with the typed error or
the exact value it must give, and the time it may take."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import time
import zlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

import adapter
import adapter.engine.attempt
from adapter.sandbox import Fault, Sandbox
from tests.hostile import HUGE, SLACK, gzip_bomb
from tests.reliability import EVIL_MESSAGE, SHOWN_MESSAGE, UNPRINTABLE, tally

T = TypeVar("T")


def both_ways(
    sandbox: Sandbox,
    sync: Callable[[adapter.BalanceClient], T],
    asynchronous: Callable[[adapter.AsyncBalanceClient], Awaitable[T]],
    **options: Any,
) -> list[tuple[T | BaseException, float]]:
    """The outcome (value or exception) and seconds taken of one call with a fresh sync
    client, then one with a fresh async client; faults must be injected for both."""
    outcomes: list[tuple[T | BaseException, float]] = []
    with sandbox.client(**options) as client:
        started = time.perf_counter()
        try:
            outcome: T | BaseException = sync(client)
        except BaseException as exc:  # the point of these tests
            outcome = exc
        outcomes.append((outcome, time.perf_counter() - started))

    async def main() -> None:
        async with sandbox.async_client(**options) as client:
            started = time.perf_counter()
            try:
                outcome: T | BaseException = await asynchronous(client)
            except BaseException as exc:
                outcome = exc
            outcomes.append((outcome, time.perf_counter() - started))

    asyncio.run(main())
    return outcomes


def kalshi_both_ways(sandbox: Sandbox, fault: Fault, times: int = 1, **options: Any) -> list[Any]:
    """`kalshi_balances()` sync and async, each answered by `fault` the first `times` times."""
    sandbox.inject("kalshi", fault, times=2 * times)
    return both_ways(
        sandbox, lambda c: c.kalshi_balances(), lambda c: c.kalshi_balances(), **options
    )


# 1. Retry-After with a field no calendar holds -----------------------------------------

HUGE_DATES = {
    "year": f"Mon, 01 Jan {HUGE} 00:00:00 GMT",
    "hour": f"Mon, 01 Jan 2030 {HUGE}:00:00 GMT",
    "zone": f"Mon, 01 Jan 2030 00:00:00 +{HUGE}",
    "negative-zone": f"Mon, 01 Jan 2030 00:00:00 -{HUGE}",
}
STATUS_ERRORS = {
    429: adapter.RateLimitedError,
    503: adapter.VenueUnavailableError,
    404: adapter.NotFoundError,
}


@pytest.mark.parametrize("status", sorted(STATUS_ERRORS))
@pytest.mark.parametrize("field", sorted(HUGE_DATES))
def test_retry_after_with_a_huge_date_field_is_ignored(
    sandbox: Sandbox, status: int, field: str
) -> None:
    fault = Fault(status=status, headers=(("Retry-After", HUGE_DATES[field]),))
    for outcome, _ in kalshi_both_ways(sandbox, fault, max_retries=0):
        assert type(outcome) is STATUS_ERRORS[status], repr(outcome)
        assert isinstance(outcome, adapter.AdapterError)
        assert outcome.status == status
        assert outcome.retry_after is None  # unusable, so as if absent
        tally("hardening cases tried")


def test_retried_429_with_a_huge_retry_after_date_ends_in_time(sandbox: Sandbox) -> None:
    fault = Fault(status=429, headers=(("Retry-After", HUGE_DATES["year"]),))
    options = {"timeout": 1.0, "max_retries": 1, "retry_base_delay": 0.01}
    for outcome, seconds in kalshi_both_ways(sandbox, fault, times=2, **options):
        assert type(outcome) is adapter.RateLimitedError, repr(outcome)
        assert seconds <= 1.0 + SLACK
    assert sandbox.requests == 4
    tally("hardening cases tried")


# 2. A million-digit balance in two shard rows ------------------------------------------


def shard_rows(*balances: str) -> bytes:
    rows = [
        {"subaccount_number": 0, "balance": b, "updated_ts": 1763751540, "exchange_index": i}
        for i, b in enumerate(balances)
    ]
    body = json.dumps({"subaccount_balances": rows}).encode()
    assert len(body) < adapter.engine.attempt.MAX_BODY_BYTES
    return body


@pytest.mark.parametrize(
    ("shards", "total"),
    [
        (["1" * 1_000_001, "0.5"], "1" * 1_000_001 + ".5"),
        (["-" + "9" * 1_000_001, "1"], "-" + "9" * 1_000_000 + "8"),
        (["1", "0." + "0" * 999_999 + "1"], "1." + "0" * 999_999 + "1"),
        (["1" * 1_000_001, "-0.25"], "1" * 1_000_000 + "0.75"),
    ],
    ids=[
        "million-integer-digits",
        "million-nines-negative",
        "million-fraction-digits",
        "million-digits-less-a-quarter",
    ],
)
def test_shards_with_a_million_digits_sum_exactly(
    sandbox: Sandbox, shards: list[str], total: str
) -> None:
    fault = Fault(body=shard_rows(*shards))
    for outcome, seconds in kalshi_both_ways(sandbox, fault, timeout=2.0):
        assert isinstance(outcome, list), repr(outcome)[:200]
        [balance] = outcome
        assert balance.balance == Decimal(total)
        assert balance.balance.as_tuple() == Decimal(total).as_tuple()
        assert seconds <= 2.0 + SLACK
        tally("hardening cases tried")


# 3. One object of 100,000 keys whose last key repeats ----------------------------------


def many_keys(count: int) -> bytes:
    """An object of `count` keys, the last repeating the one before it (under 1 MiB)."""
    keys = [str(number) for number in range(count - 1)] + [str(count - 2)]
    body = ("{" + ",".join(f'"{key}":0' for key in keys) + "}").encode()
    assert len(body) < adapter.engine.attempt.MAX_BODY_BYTES
    return body


def test_duplicate_key_among_100000_is_found_in_linear_time(sandbox: Sandbox) -> None:
    fault = Fault(body=many_keys(100_000))
    for outcome, seconds in kalshi_both_ways(sandbox, fault, timeout=1.0):
        assert type(outcome) is adapter.MalformedResponseError, repr(outcome)
        assert "duplicate key '99998'" in outcome.message
        assert seconds <= 1.0 + SLACK
        tally("hardening cases tried")


# 4. Content-Encoding we did not ask for: a stacked gzip bomb, and others ---------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_bomb()
    assert len(data) < 4096
    return data


def test_small_bomb_is_what_it_says() -> None:
    assert gzip.decompress(gzip.decompress(gzip_bomb(4 * 2**20))) == b"\0" * 4 * 2**20


def test_retried_500_with_a_gzip_bomb_ends_in_time(sandbox: Sandbox, bomb: bytes) -> None:
    fault = Fault(status=500, body=bomb, headers=(("Content-Encoding", "gzip, gzip"),))
    options = {"timeout": 1.0, "max_retries": 3, "retry_base_delay": 0.01, "retry_max_delay": 0.02}
    for outcome, seconds in kalshi_both_ways(sandbox, fault, times=4, **options):
        assert type(outcome) is adapter.VenueUnavailableError, repr(outcome)
        assert outcome.status == 500
        assert seconds <= 1.0 + SLACK
        tally("hardening cases tried")


MEMORY_PROBE = """
import asyncio, json, sys
import adapter
from adapter.sandbox import Fault, Sandbox

bomb = open(sys.argv[1], "rb").read()
options = dict(timeout=5.0, max_retries=1, retry_base_delay=0.01, retry_max_delay=0.02)


def peak():  # bytes: the most this address space ever held (VmHWM; ru_maxrss would start
    # from the test run's own peak, inherited at the fork, and hide any growth below it)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024


def sync_call(sandbox):
    with sandbox.client(**options) as client:
        return client.kalshi_balances()


async def async_call(sandbox):
    async with sandbox.async_client(**options) as client:
        return await client.kalshi_balances()


with Sandbox.demo() as sandbox:
    sync_call(sandbox), asyncio.run(async_call(sandbox))  # warm: imports, pools, TLS-free
    base = peak()
    report = {}
    for status, attempts in ((200, 1), (500, 2)):
        fault = Fault(status=status, body=bomb, headers=(("Content-Encoding", "gzip, gzip"),))
        sandbox.inject("kalshi", fault, times=2 * attempts)
        for mode in ("sync", "async"):
            try:
                sync_call(sandbox) if mode == "sync" else asyncio.run(async_call(sandbox))
                outcome = None
            except adapter.AdapterError as error:
                outcome = [type(error).__name__, error.status, error.message]
            report[f"{mode} {status}"] = [outcome, peak() - base]
print(json.dumps(report))
"""


def test_gzip_bomb_peak_memory_stays_small(tmp_path: Path, bomb: bytes) -> None:
    """Peak RSS growth of a fresh process reading a 2.5 KB answer that decodes to 1 GiB,
    on a 200 and a retried 500, sync and async."""
    (tmp_path / "bomb").write_bytes(bomb)
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "bomb")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(probe.stdout)
    for case, (outcome, growth) in report.items():
        assert growth < 300 * 2**20, (case, growth // 2**20, "MiB")
        status = int(case.split()[1])
        if status == 200:
            assert outcome[:2] == ["MalformedResponseError", 200], case
            assert "larger than 1024 KiB" in outcome[2]
        else:
            assert outcome[:2] == ["VenueUnavailableError", 500], case
        tally("hardening cases tried")
    assert len(report) == 4


KALSHI_BODY = json.dumps(
    {
        "subaccount_balances": [
            {"subaccount_number": 0, "exchange_index": 0, "balance": "12.50", "updated_ts": 1}
        ]
    }
).encode()
ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "identity": lambda data: data,
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "x-gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "raw-deflate": lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS),
}


def encoded(data: bytes, encodings: list[str]) -> bytes:
    """`data` with each encoding applied in the order named (Content-Encoding order)."""
    for name in encodings:
        data = ENCODERS[name](data)
    return data


@pytest.mark.parametrize(
    "encodings",
    [["identity"], ["gzip"], ["x-gzip"], ["deflate"], ["raw-deflate"], ["gzip", "gzip"]],
    ids=lambda encodings: ",".join(encodings),
)
def test_gzip_and_deflate_are_still_read(sandbox: Sandbox, encodings: list[str]) -> None:
    header = ", ".join(name.removeprefix("raw-") for name in encodings)
    fault = Fault(body=encoded(KALSHI_BODY, encodings), headers=(("Content-Encoding", header),))
    for outcome, _ in kalshi_both_ways(sandbox, fault):
        assert isinstance(outcome, list), repr(outcome)
        assert [(b.subaccount, str(b.balance)) for b in outcome] == [(0, "12.50")]
        tally("hardening cases tried")


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "x-unheard-of"])
def test_an_encoding_we_cannot_read_is_refused_by_name(sandbox: Sandbox, encoding: str) -> None:
    fault = Fault(body=KALSHI_BODY, headers=(("Content-Encoding", encoding),))
    for outcome, _ in kalshi_both_ways(sandbox, fault):
        assert type(outcome) is adapter.MalformedResponseError, repr(outcome)
        assert outcome.status == 200 and repr(encoding) in outcome.message
        tally("hardening cases tried")


@pytest.mark.parametrize("encoding", ["br", "gzip, br"])
def test_an_error_page_we_cannot_read_keeps_its_status(sandbox: Sandbox, encoding: str) -> None:
    body = b'{"message": "text we cannot have decoded"}'
    fault = Fault(status=404, body=body, headers=(("Content-Encoding", encoding),))
    for outcome, _ in kalshi_both_ways(sandbox, fault):
        assert type(outcome) is adapter.NotFoundError, repr(outcome)
        assert outcome.status == 404 and outcome.message == "Not Found"
        tally("hardening cases tried")


GZIPPED = gzip.compress(KALSHI_BODY, mtime=0)


@pytest.mark.parametrize(
    ("body", "encoding", "fragment"),
    [
        (b"\x1f\x8b not gzip at all", "gzip", "not valid gzip"),
        (GZIPPED[:-8], "gzip", "gzip body ends early"),  # no CRC trailer: cannot be checked
        (GZIPPED[:-9], "gzip", "gzip body ends early"),
        (gzip.compress(b"not gzip inside", mtime=0), "gzip, gzip", "not valid gzip"),
        (KALSHI_BODY, "deflate", "not valid deflate"),
        (GZIPPED, "gzip, gzip, gzip, gzip, gzip", "5 content codings"),
    ],
    ids=["not-gzip", "no-trailer", "cut", "inner-not-gzip", "not-deflate", "five-layers"],
)
def test_a_body_that_does_not_decode_is_malformed(
    sandbox: Sandbox, body: bytes, encoding: str, fragment: str
) -> None:
    fault = Fault(body=body, headers=(("Content-Encoding", encoding),))
    for outcome, _ in kalshi_both_ways(sandbox, fault):
        assert type(outcome) is adapter.MalformedResponseError, repr(outcome)
        assert outcome.status == 200 and fragment in outcome.message, outcome.message
        tally("hardening cases tried")


def test_an_error_page_that_does_not_decode_keeps_its_status(sandbox: Sandbox) -> None:
    fault = Fault(status=503, body=b"\x1f\x8b not gzip", headers=(("Content-Encoding", "gzip"),))
    for outcome, _ in kalshi_both_ways(sandbox, fault, max_retries=0):
        assert type(outcome) is adapter.VenueUnavailableError, repr(outcome)
        assert outcome.status == 503 and outcome.message == "Service Unavailable"
        tally("hardening cases tried")


# 5. Venue text on a terminal: control and bidi characters ------------------------------


def test_error_text_from_a_venue_body_is_made_printable(sandbox: Sandbox) -> None:
    fault = Fault(status=400, body=json.dumps({"message": EVIL_MESSAGE}).encode())
    for outcome, _ in kalshi_both_ways(sandbox, fault):
        assert type(outcome) is adapter.BadRequestError, repr(outcome)
        assert outcome.message == SHOWN_MESSAGE
        assert not UNPRINTABLE.search(str(outcome))
        tally("hardening cases tried")

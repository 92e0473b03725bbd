"""Property-based: what a hostile server may put in any answer (Retry-After values, repeated
keys, Content-Encoding stacks) gives the right value or a typed error, by an independent
oracle. The example budget is fixed and derandomized, so a run is reproducible."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

import adapter
from tests.fake_venues import FakeVenues
from tests.hostile import Raw
from tests.properties import BUDGET
from tests.reliability import tally

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

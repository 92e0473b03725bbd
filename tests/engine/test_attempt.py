"""One attempt and what its outcome means: every status and failure of both venues becomes
the right typed error, sync and async; bodies are read within their cap."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import adapter
from adapter import errors as E
from adapter.sandbox import Sandbox
from tests.fake_venues import FakeVenues, cs_body, json_response
from tests.hostile import ENDPOINT, reply
from tests.reliability import tally

VENUES = ["kalshi", "coinswitch_dma"]


def answer(
    venues: FakeVenues, venue: str, responder: Callable[[httpx.Request], httpx.Response]
) -> None:
    if venue == "kalshi":
        venues.kalshi = responder
    else:
        venues.coinswitch[1001] = responder


def fetch(client: adapter.BalanceClient, venue: str) -> Any:
    return client.kalshi_balances() if venue == "kalshi" else client.coinswitch_balance(1001)


async def fetch_async(client: adapter.AsyncBalanceClient, venue: str) -> Any:
    async with client:
        if venue == "kalshi":
            return await client.kalshi_balances()
        return await client.coinswitch_balance(1001)


HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

STATUS_CASES = [
    (
        400,
        {"code": "bad_request", "message": "subaccount_id query parameter is required"},
        E.BadRequestError,
        "subaccount_id query parameter is required",
    ),
    (
        401,
        {"code": "unauthorized", "message": "invalid signature"},
        E.AuthenticationError,
        "invalid signature",
    ),
    (
        403,
        {"message": "subaccount does not belong to master account"},
        E.ForbiddenError,
        "subaccount does not belong to master account",
    ),
    (404, {"message": "subaccount not found"}, E.NotFoundError, "subaccount not found"),
    (429, {"error": "too many requests"}, E.RateLimitedError, "too many requests"),
    (
        500,
        {"code": "internal", "message": "internal server error"},
        E.VenueUnavailableError,
        "internal server error",
    ),
    (503, {"message": "maintenance"}, E.VenueUnavailableError, "maintenance"),
    (
        418,
        {"message": "teapot"},
        E.VenueUnavailableError,
        "unexpected status 418 I'm a Teapot: teapot",
    ),
    (520, {}, E.VenueUnavailableError, "unexpected status 520"),
]


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(("status", "body", "error", "message"), STATUS_CASES)
def test_status_becomes_typed_error(
    make_client: Any,
    venues: FakeVenues,
    venue: str,
    status: int,
    body: Any,
    error: type,
    message: str,
) -> None:
    answer(venues, venue, json_response(status, body))
    with make_client() as client, pytest.raises(error) as caught:
        fetch(client, venue)
    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.venue == venue
    assert caught.value.endpoint == ENDPOINT[venue]
    assert message in caught.value.message
    assert caught.value.subaccount == (None if venue == "kalshi" else 1001)
    retried = status in (429, 500, 502, 503, 504)
    assert len(venues.requests) == (4 if retried else 1)
    if status == 401:
        assert "clock" in str(caught.value)


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(
    ("status", "phrase"), [(502, "Bad Gateway"), (520, "unexpected status 520")]
)
def test_html_error_page_keeps_its_status(
    make_client: Any, venues: FakeVenues, venue: str, status: int, phrase: str
) -> None:
    answer(venues, venue, reply(status, HTML, "text/html"))
    with make_client(max_retries=0) as client, pytest.raises(E.VenueUnavailableError) as caught:
        fetch(client, venue)
    assert caught.value.status == status
    assert phrase in caught.value.message
    assert "nginx" not in str(caught.value)


SUCCESS_GARBAGE = [
    (HTML, "text/html", "not application/json"),
    (HTML, "application/json", "not valid JSON"),
    (b"", "application/json", "not valid JSON"),
    (b'{"subaccount_balances": [', "application/json", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "application/json", "not valid UTF-8"),
    (b'{"a": NaN}', "application/json", "not valid JSON"),
    (b'{"a": 1, "a": 2}', "application/json", "duplicate key 'a'"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", "not valid JSON"),
    (b"{}", "", "untyped"),
]


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(("content", "content_type", "message"), SUCCESS_GARBAGE)
def test_garbage_200_is_malformed(
    make_client: Any,
    venues: FakeVenues,
    venue: str,
    content: bytes,
    content_type: str,
    message: str,
) -> None:
    answer(venues, venue, reply(200, content, content_type))
    with make_client() as client, pytest.raises(E.MalformedResponseError) as caught:
        fetch(client, venue)
    assert message in caught.value.message
    assert caught.value.venue == venue and caught.value.status == 200
    assert len(venues.requests) == 1, "a malformed body is not retried"
    tally("hostile responses tried")


@pytest.mark.parametrize("venue", VENUES)
def test_wrong_shape_names_venue_endpoint_subaccount_and_field(
    make_client: Any, venues: FakeVenues, venue: str
) -> None:
    if venue == "kalshi":
        body: Any = {
            "subaccount_balances": [
                {"subaccount_number": 0, "exchange_index": 0, "balance": 12.5, "updated_ts": 1}
            ]
        }
        field = "subaccount_balances[0].balance"
    else:
        body = cs_body(1001)
        body["data"]["balance_detail"]["totalEquity"] = 5000
        field = "data.balance_detail.totalEquity"
    answer(venues, venue, json_response(200, body))
    with make_client() as client, pytest.raises(E.MalformedResponseError) as caught:
        fetch(client, venue)
    assert caught.value.field == field
    assert (
        field in str(caught.value)
        and venue in str(caught.value)
        and ENDPOINT[venue] in str(caught.value)
    )
    if venue == "coinswitch_dma":
        assert "(subaccount 1001)" in str(caught.value)


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (httpx.ConnectError("connection refused"), "connection failed"),
        (httpx.ReadTimeout("timed out"), "no answer in time"),
        (httpx.RemoteProtocolError("peer closed connection"), "connection failed"),
    ],
)
def test_transport_failures_are_unavailable_after_retries(
    make_client: Any, venues: FakeVenues, venue: str, failure: Exception, message: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    answer(venues, venue, fail)
    with make_client(max_retries=2) as client, pytest.raises(E.VenueUnavailableError) as caught:
        fetch(client, venue)
    assert message in caught.value.message
    assert "gave up after 3 attempts" in caught.value.message
    assert isinstance(caught.value.__cause__, httpx.HTTPError)
    assert len(venues.requests) == 3


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(("status", "body", "error", "message"), STATUS_CASES[::2])
def test_async_status_becomes_typed_error(
    make_async_client: Any,
    venues: FakeVenues,
    venue: str,
    status: int,
    body: Any,
    error: type,
    message: str,
) -> None:
    answer(venues, venue, json_response(status, body))
    with pytest.raises(error) as caught:
        asyncio.run(fetch_async(make_async_client(), venue))
    assert type(caught.value) is error and caught.value.status == status
    assert message in caught.value.message and caught.value.venue == venue


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(("content", "content_type", "message"), SUCCESS_GARBAGE[:3])
def test_async_garbage_200_is_malformed(
    make_async_client: Any,
    venues: FakeVenues,
    venue: str,
    content: bytes,
    content_type: str,
    message: str,
) -> None:
    answer(venues, venue, reply(200, content, content_type))
    with pytest.raises(E.MalformedResponseError) as caught:
        asyncio.run(fetch_async(make_async_client(), venue))
    assert message in caught.value.message


def test_a_huge_content_length_is_refused_not_parsed(make_client: Any, venues: FakeVenues) -> None:
    venues.coinswitch[1001] = lambda request: httpx.Response(
        200,
        headers={"content-type": "application/json", "content-length": "9" * 5000},
        content=b"{}",
    )
    with make_client() as client, pytest.raises(adapter.AdapterError):
        client.coinswitch_balance(1001)


def test_requests_ask_for_uncompressed_bodies(make_client: Any, venues: FakeVenues) -> None:
    venues.coinswitch[1001] = cs_body(1001)
    with make_client() as client:
        client.coinswitch_balance(1001)
    assert venues.requests[0].headers["Accept-Encoding"] == "identity"


def test_a_resolver_refusal_at_request_time_is_a_typed_error(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve = socket.getaddrinfo

    def refuse(host: str, *args: object, **kwargs: object) -> object:
        if host == "kalshi.invalid":
            raise UnicodeError("encoding with 'idna' codec failed (label empty or too long)")
        return resolve(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    options = sandbox.client_options(kalshi_base_url="http://kalshi.invalid/trade-api/v2")
    with adapter.BalanceClient(**options, max_retries=0) as client:
        report = client.all_balances()
    assert [b.venue for b in report.balances] == ["coinswitch_dma"] * 4
    [failure] = report.errors
    assert isinstance(failure.error, adapter.VenueUnavailableError) and failure.venue == "kalshi"

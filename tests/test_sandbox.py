"""Integration: both clients over real HTTP against the built-in sandbox."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import adapter
from adapter.sandbox import Fault, Sandbox
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS as SAMPLE_COINSWITCH
from adapter.venues.kalshi.simulator import SAMPLE_BALANCES as SAMPLE_KALSHI

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01, "coinswitch_rate_limit": None}


def test_every_sample_balance_to_the_last_digit(sandbox: Sandbox) -> None:
    with sandbox.client(**FAST) as client:
        report = client.all_balances(sandbox.simulator("coinswitch_dma").subaccounts)
    assert report.errors == []
    kalshi = {b.subaccount: b for b in report.balances if b.venue == "kalshi"}
    assert {n: str(b.balance) for n, b in kalshi.items()} == SAMPLE_KALSHI
    assert kalshi[0].primary and not kalshi[1].primary
    coinswitch = {b.subaccount: b for b in report.balances if b.venue == "coinswitch_dma"}
    assert sorted(coinswitch) == [1001, 1002, 1003]
    for number, data in SAMPLE_COINSWITCH.items():
        balance = coinswitch[number]
        detail = data["balance_detail"]
        assert str(balance.balance) == detail["totalEquity"]
        assert str(balance.inr_rate) == data["usdt_inr_rate"]
        assert balance.active is data["is_active"]
        assert [(a.asset, str(a.equity)) for a in balance.assets] == [
            (coin["coin"], coin["equity"]) for coin in detail["coin"]
        ]
    pnl = coinswitch[1002].assets[0]
    assert (pnl.unrealised_pnl, pnl.unrealised_pnl_inr) == (Decimal("500.25"), Decimal("42271.13"))
    assert sandbox.requests == 4


def test_async_client_through_real_http(sandbox: Sandbox) -> None:
    async def main() -> adapter.BalanceReport:
        async with sandbox.async_client(**FAST) as client:
            return await client.all_balances(
                [*sandbox.simulator("coinswitch_dma").subaccounts, 9999, 2001]
            )

    report = asyncio.run(main())
    assert len(report.balances) == 6
    assert sorted((e.subaccount, e.error.kind, e.error.status) for e in report.errors) == [
        (2001, "forbidden", 403),
        (9999, "not_found", 404),
    ]


def test_connections_are_reused(sandbox: Sandbox) -> None:
    with sandbox.client(**FAST) as client:
        for _ in range(10):
            client.kalshi_balances()
            client.coinswitch_balance(1001)
    assert sandbox.requests == 20
    assert sandbox.connections == 2  # one keep-alive connection per venue


@pytest.mark.parametrize("venue", ["kalshi", "coinswitch_dma"])
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, adapter.BadRequestError),
        (401, adapter.AuthenticationError),
        (403, adapter.ForbiddenError),
        (404, adapter.NotFoundError),
        (429, adapter.RateLimitedError),
        (500, adapter.VenueUnavailableError),
        (502, adapter.VenueUnavailableError),
        (503, adapter.VenueUnavailableError),
        (504, adapter.VenueUnavailableError),
        (418, adapter.VenueUnavailableError),
        (520, adapter.VenueUnavailableError),
    ],
)
def test_every_error_status_over_http(
    sandbox: Sandbox, venue: str, status: int, error: type[adapter.AdapterError]
) -> None:
    sandbox.fail_next(venue, times=10, status=status)
    with sandbox.client(**FAST) as client, pytest.raises(error) as caught:
        if venue == "kalshi":
            client.kalshi_balances()
        else:
            client.coinswitch_balance(1001)
    assert caught.value.status == status and caught.value.venue == venue
    expected_attempts = 4 if status in (429, 500, 502, 503, 504) else 1
    assert sandbox.requests == expected_attempts
    if status == 429 and venue == "kalshi":
        assert "too many requests" in caught.value.message


def test_real_documented_errors(sandbox: Sandbox) -> None:
    with sandbox.client(**FAST) as client:
        with pytest.raises(adapter.ForbiddenError, match="does not belong to master account"):
            client.coinswitch_balance(2001)
        with pytest.raises(adapter.NotFoundError, match="subaccount not found"):
            client.coinswitch_balance(9999)


def test_sandbox_rejects_what_the_venues_reject(sandbox: Sandbox) -> None:
    signer = sandbox.simulator("coinswitch_dma").signer()
    url = sandbox.base_url("coinswitch_dma") + "/dma/api/v1/master/subaccount/balance"
    with httpx.Client(auth=signer) as http:
        missing = http.get(url)
        assert (missing.status_code, missing.json()) == (
            400,
            {"message": "subaccount_id query parameter is required"},
        )
    with httpx.Client() as http:
        signed = http.build_request("GET", url, params={"subaccount_id": 1001})
        signed = next(signer.auth_flow(signed))
        no_epoch = signed.headers.copy()
        del no_epoch["X-AUTH-EPOCH"]
        assert http.get(url, params={"subaccount_id": 1001}, headers=no_epoch).status_code == 400
        tampered = signed.headers.copy()
        tampered["X-AUTH-SIGNATURE"] = "00" * 64
        answer = http.get(url, params={"subaccount_id": 1001}, headers=tampered)
        assert (answer.status_code, answer.json()["message"]) == (401, "invalid signature")
        other_query = http.get(url, params={"subaccount_id": 1002}, headers=signed.headers)
        assert other_query.status_code == 401, "the query is part of the signed message"
        assert http.get(url, params={"subaccount_id": 1001}).status_code == 401
        ok = http.get(url, params={"subaccount_id": 1001}, headers=signed.headers)
        assert ok.status_code == 200 and ok.json()["data"]["subaccount_id"] == 1001


def test_signature_the_sandbox_rejects(sandbox: Sandbox) -> None:
    stranger = adapter.KalshiSigner(
        "sandbox-key", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    unknown = ed25519.Ed25519PrivateKey.generate()
    impostor = adapter.CoinSwitchSigner(
        unknown.public_key().public_bytes_raw().hex(), unknown.private_bytes_raw().hex()
    )
    with sandbox.client(kalshi=stranger, coinswitch=impostor, **FAST) as client:
        with pytest.raises(adapter.AuthenticationError, match="invalid signature"):
            client.kalshi_balances()
        with pytest.raises(adapter.AuthenticationError, match="invalid or expired API key"):
            client.coinswitch_balance(1001)
    assert sandbox.requests == 2, "401 is never retried"


@pytest.mark.parametrize("venue", ["kalshi", "coinswitch_dma"])
def test_clock_two_minutes_off_gives_401_that_mentions_the_clock(
    sandbox: Sandbox, venue: str
) -> None:
    def skewed() -> int:
        return time.time_ns() // 1_000_000 - 120_000

    options: dict[str, Any] = {
        "kalshi": sandbox.simulator("kalshi").signer(clock=skewed),
        "coinswitch": sandbox.simulator("coinswitch_dma").signer(clock=skewed),
        **FAST,
    }
    with sandbox.client(**options) as client, pytest.raises(adapter.AuthenticationError) as caught:
        if venue == "kalshi":
            client.kalshi_balances()
        else:
            client.coinswitch_balance(1001)
    assert caught.value.status == 401
    assert "clock" in str(caught.value)


def test_malformed_body_from_the_sandbox(sandbox: Sandbox) -> None:
    sandbox.inject("kalshi", Fault(body=b"<html>oops</html>", content_type="text/html"))
    with sandbox.client(**FAST) as client, pytest.raises(adapter.MalformedResponseError):
        client.kalshi_balances()


def test_counts_peak_in_flight(sandbox: Sandbox) -> None:
    sandbox.latency = 0.02
    with sandbox.client(max_in_flight=5, **FAST) as client:
        client.coinswitch_balances(
            list(sandbox.simulator("coinswitch_dma").subaccounts) * 1 + [1001]
        )
        sandbox.simulator("coinswitch_dma").accounts.update(
            {n: dict(SAMPLE_COINSWITCH[1001], subaccount_id=n) for n in range(5000, 5020)}
        )
        try:
            client.coinswitch_balances(range(5000, 5020))
        finally:
            for n in range(5000, 5020):
                del sandbox.simulator("coinswitch_dma").accounts[n]
    assert sandbox.peak_in_flight == 5
    assert sandbox.requests == 23

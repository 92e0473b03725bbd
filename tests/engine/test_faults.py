"""Faults through the sandbox (real HTTP): a failure then success, a venue down, a clock off."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import adapter
from adapter.sandbox import Fault, Sandbox
from tests.reliability import tally

FAST = {"retry_base_delay": 0.02, "retry_max_delay": 0.1, "coinswitch_rate_limit": None}


@pytest.mark.parametrize(
    ("fault", "venue"),
    [
        (Fault(status=503), "coinswitch_dma"),
        (Fault(status=503), "kalshi"),
        (Fault(status=500), "kalshi"),
        (Fault(status=502, body=b"<html>bad gateway</html>", content_type="text/html"), "kalshi"),
        (Fault(status=429), "coinswitch_dma"),
        (Fault(status=429), "kalshi"),
        (Fault(drop=True), "coinswitch_dma"),
        (Fault(drop=True), "kalshi"),
        (Fault(truncate=True), "coinswitch_dma"),
        (Fault(truncate=True), "kalshi"),
        (Fault(status=503, headers=(("Retry-After", "0"),)), "kalshi"),
    ],
    ids=[
        "503-cs",
        "503-kalshi",
        "500",
        "html-502",
        "429-cs",
        "429-kalshi",
        "dropped-cs",
        "dropped-kalshi",
        "closed-mid-body-cs",
        "closed-mid-body-kalshi",
        "retry-after",
    ],
)
def test_one_fault_then_success(sandbox: Sandbox, fault: Fault, venue: str) -> None:
    sandbox.inject(venue, fault)
    with sandbox.client(**FAST) as client:
        if venue == "kalshi":
            assert len(client.kalshi_balances()) == 3
        else:
            assert client.coinswitch_balance(1002).balance == Decimal("10750.25")
    assert sandbox.requests == 2
    tally("faults survived")


def test_clock_120_seconds_off(sandbox: Sandbox) -> None:
    def skewed() -> int:
        return time.time_ns() // 1_000_000 + 120_000

    client = sandbox.client(
        kalshi=sandbox.simulator("kalshi").signer(clock=skewed),
        coinswitch=sandbox.simulator("coinswitch_dma").signer(clock=skewed),
        **FAST,
    )
    with client:
        report = client.all_balances([1001])
    assert report.balances == []
    assert sorted(e.venue for e in report.errors) == ["coinswitch_dma", "kalshi"]
    for failure in report.errors:
        assert isinstance(failure.error, adapter.AuthenticationError)
        assert failure.error.status == 401 and "clock" in str(failure.error)
    assert sandbox.requests == 2, "401 is not retried"


def test_one_venue_down(sandbox: Sandbox) -> None:
    sandbox.fail_next("coinswitch_dma", times=100, status=503)
    with sandbox.client(max_retries=1, **FAST) as client:
        report = client.all_balances([1001, 1002, 1003])
    assert [b.venue for b in report.balances] == ["kalshi"] * 3
    assert [(e.subaccount, e.error.status) for e in report.errors] == [
        (1001, 503),
        (1002, 503),
        (1003, 503),
    ]
    assert all(isinstance(e.error, adapter.VenueUnavailableError) for e in report.errors)
    tally("faults survived")

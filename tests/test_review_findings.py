"""Regressions for problems an independent review of the code found."""

from __future__ import annotations

import asyncio
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

import adapter
from adapter.domain import BalanceReport, SubaccountBalance, Venue
from adapter.render import as_table
from adapter.sandbox import Fault, Sandbox
from tests.fake_venues import FakeVenues, cs_body


def test_a_retry_after_of_thousands_of_digits_is_a_typed_error(
    make_client: Any, make_async_client: Any, venues: FakeVenues
) -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"message": "busy"}, headers={"Retry-After": "9" * 5000})

    venues.kalshi = {"subaccount_balances": []}
    venues.coinswitch.update({1001: cs_body(1001), 1002: busy})
    with make_client() as client:
        with pytest.raises(adapter.VenueUnavailableError):
            client.coinswitch_balance(1002)
        report = client.all_balances([1001, 1002])

    async def main() -> adapter.BalanceReport:
        async with make_async_client() as client:
            return await client.all_balances([1001, 1002])

    for result in (report, asyncio.run(main())):
        assert [b.subaccount for b in result.balances if b.venue == "coinswitch_dma"] == [1001]
        assert [(e.subaccount, e.error.status) for e in result.errors] == [(1002, 503)]


def test_a_huge_content_length_is_refused_not_parsed(make_client: Any, venues: FakeVenues) -> None:
    venues.coinswitch[1001] = lambda request: httpx.Response(
        200,
        headers={"content-type": "application/json", "content-length": "9" * 5000},
        content=b"{}",
    )
    with make_client() as client, pytest.raises(adapter.AdapterError):
        client.coinswitch_balance(1001)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("call", ["kalshi_balances", "coinswitch_balance", "all_balances"])
def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(
    sandbox: Sandbox, mode: str, call: str
) -> None:
    # One byte every 0.1 s: no single read ever waits long enough to time out.
    sandbox.inject("kalshi", Fault(trickle=0.1))
    sandbox.inject("coinswitch_dma", Fault(trickle=0.1))
    options = {"timeout": 0.8, "max_retries": 0, "coinswitch_rate_limit": None}
    arguments = {"coinswitch_balance": (1001,), "all_balances": ([1001],)}.get(call, ())
    started = time.monotonic()
    if mode == "sync":
        with sandbox.client(**options) as client:
            try:
                outcome: Any = getattr(client, call)(*arguments)
            except adapter.AdapterError as error:
                outcome = error
    else:

        async def main() -> Any:
            async with sandbox.async_client(**options) as client:
                try:
                    return await getattr(client, call)(*arguments)
                except adapter.AdapterError as error:
                    return error

        outcome = asyncio.run(main())
    assert time.monotonic() - started < 1.5
    if call == "all_balances":
        assert outcome.balances == [] and len(outcome.errors) == 2
        assert all(isinstance(e.error, adapter.VenueUnavailableError) for e in outcome.errors)
    else:
        assert isinstance(outcome, adapter.VenueUnavailableError)
        assert "deadline" in outcome.message or "no answer in time" in outcome.message


def test_table_totals_never_lose_or_refuse_digits() -> None:
    huge = "1" + "0" * 1000
    balances = [
        SubaccountBalance(
            venue=Venue.KALSHI, subaccount=n, primary=n == 0, currency="USD", balance=Decimal(b)
        )
        for n, b in ((0, huge), (1, "0.1"), (2, "0.000001"))
    ]
    table = as_table(BalanceReport(balances=balances, errors=[]))
    assert huge + ".100001" in table
    assert not re.search(r"[0-9]E[-+]?[0-9]", table)  # never exponent notation


def test_from_env_and_options_raise_configuration_errors() -> None:
    with pytest.raises(adapter.ConfigurationError, match="KALSHI_BASE_URL"):
        adapter.BalanceClient.from_env({"KALSHI_BASE_URL": "http://[::1"})
    with pytest.raises(adapter.ConfigurationError, match="kalshi must be a KalshiSigner"):
        adapter.BalanceClient(kalshi="not a signer")  # type: ignore[arg-type]
    with pytest.raises(adapter.ConfigurationError):
        adapter.BalanceClient(coinswitch_base_url="http://[::1")
    error = adapter.ConfigurationError("x")
    assert isinstance(error, adapter.AdapterError) and isinstance(error, ValueError)


def test_a_password_with_spaces_works_from_the_environment(tmp_path: Path, rsa_key: Any) -> None:
    path = tmp_path / "locked.pem"
    path.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b" secret pw "),
        )
    )
    env = {
        "KALSHI_API_KEY_ID": "key-id",
        "KALSHI_PRIVATE_KEY_PATH": str(path),
        "KALSHI_PRIVATE_KEY_PASSWORD": " secret pw ",
    }
    assert adapter.BalanceClient.from_env(env).venues == ("kalshi",)


def test_requests_ask_for_uncompressed_bodies(make_client: Any, venues: FakeVenues) -> None:
    venues.coinswitch[1001] = cs_body(1001)
    with make_client() as client:
        client.coinswitch_balance(1001)
    assert venues.requests[0].headers["Accept-Encoding"] == "identity"


def test_a_long_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapter.engine import retry

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    attempts = []

    def attempt() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise adapter.RateLimitedError("slow down", retryable=True, retry_after=90.0)
        return "ok"

    policy = retry.RetryPolicy()
    assert policy.call(retry.Deadline(120.0), attempt) == "ok"
    assert slept == [retry.RETRY_AFTER_CAP]
    with pytest.raises(adapter.RateLimitedError):  # a wait past the deadline is not taken
        attempts.clear()
        policy.call(retry.Deadline(5.0), attempt)

"""BalanceClient and AsyncBalanceClient over a strict mock transport."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

import adapter
from adapter.sandbox import Sandbox
from tests.fake_venues import CS_SECRET, FakeVenues, cs_body, kalshi_row

KALSHI_BODY = {"subaccount_balances": [kalshi_row(0, "1500.2500"), kalshi_row(1, "0.5600")]}


def not_found(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"message": "subaccount not found"})


def forbidden(request: httpx.Request) -> httpx.Response:
    return httpx.Response(403, json={"message": "subaccount does not belong to master account"})


def test_kalshi_balances(make_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = KALSHI_BODY
    with make_client() as client:
        balances = client.kalshi_balances()
    assert [(b.subaccount, b.balance) for b in balances] == [
        (0, Decimal("1500.2500")),
        (1, Decimal("0.5600")),
    ]
    assert len(venues.requests) == 1


def test_coinswitch_balances_one_per_id_in_order(make_client: Any, venues: FakeVenues) -> None:
    for number in (1003, 1001, 1002):
        venues.coinswitch[number] = cs_body(number, total=f"{number}.00")
    with make_client() as client:
        balances = client.coinswitch_balances([1003, 1001, 1002, 1001])
    assert [(b.subaccount, str(b.balance)) for b in balances] == [
        (1003, "1003.00"),
        (1001, "1001.00"),
        (1002, "1002.00"),
        (1001, "1001.00"),
    ]
    # A repeated id is fetched once.
    assert sorted(int(r.url.params["subaccount_id"]) for r in venues.requests) == [1001, 1002, 1003]


def test_coinswitch_balances_fetches_everything_before_raising_the_first_failure(
    make_client: Any, venues: FakeVenues
) -> None:
    venues.coinswitch.update({1001: cs_body(1001), 9999: not_found})
    with make_client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.coinswitch_balances([1001, 9999, -1])
    assert caught.value.subaccount == 9999  # the first failure in the order given
    with make_client() as client, pytest.raises(adapter.BadRequestError):
        client.coinswitch_balances([-1, 9999])  # the bad id comes first
    assert sorted(int(r.url.params["subaccount_id"]) for r in venues.requests) == [
        1001,
        9999,
        9999,
    ]


def test_coinswitch_balances_raises_the_first_failure_in_given_order(
    make_client: Any, venues: FakeVenues
) -> None:
    venues.coinswitch.update({1: cs_body(1), 2: not_found, 3: forbidden})
    with make_client() as client, pytest.raises(adapter.NotFoundError) as caught:
        client.coinswitch_balances([1, 2, 3])
    assert caught.value.subaccount == 2
    assert len(venues.requests) == 3, "everything is fetched before raising"


def test_all_balances_reports_failures_beside_balances(
    make_client: Any, venues: FakeVenues
) -> None:
    venues.kalshi = KALSHI_BODY
    venues.coinswitch.update({1001: cs_body(1001), 9999: not_found, 7: forbidden})
    with make_client() as client:
        report = client.all_balances(coinswitch_subaccounts=[1001, 9999, 7, -5, "x"])
    assert [(b.venue, b.subaccount) for b in report.balances] == [
        ("kalshi", 0),
        ("kalshi", 1),
        ("coinswitch_dma", 1001),
    ]
    kinds = [(e.venue, e.subaccount, type(e.error).__name__) for e in report.errors]
    assert kinds == [
        ("coinswitch_dma", None, "BadRequestError"),
        ("coinswitch_dma", None, "BadRequestError"),
        ("coinswitch_dma", 9999, "NotFoundError"),
        ("coinswitch_dma", 7, "ForbiddenError"),
    ]
    assert len(venues.requests) == 4  # the bad ids never reach the venue


def test_all_balances_one_venue_down(make_client: Any, venues: FakeVenues) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    venues.kalshi = down
    venues.coinswitch[1001] = cs_body(1001)
    with make_client(max_retries=1) as client:
        report = client.all_balances([1001])
    assert [b.subaccount for b in report.balances] == [1001]
    [failure] = report.errors
    assert failure.venue == "kalshi" and isinstance(failure.error, adapter.VenueUnavailableError)


def test_unconfigured_venue_fails_before_any_request(
    venues: FakeVenues, client_options: dict[str, Any]
) -> None:
    client = adapter.BalanceClient(**{**client_options, "kalshi": None})
    with client, pytest.raises(adapter.CredentialsError) as caught:
        client.kalshi_balances()
    assert "KALSHI_API_KEY_ID" in str(caught.value)
    client = adapter.BalanceClient(**{**client_options, "coinswitch": None})
    venues.kalshi = KALSHI_BODY
    with client:
        report = client.all_balances([1001])
        with pytest.raises(adapter.CredentialsError):
            client.coinswitch_balance(1001)
    assert [e.error.kind for e in report.errors] == ["credentials"]
    assert [r.url.host for r in venues.requests] == ["kalshi.test"]


@pytest.mark.parametrize("bad", [-1, "1001", 10.0, True, None])
def test_bad_subaccount_ids(make_client: Any, venues: FakeVenues, bad: Any) -> None:
    with make_client() as client, pytest.raises(adapter.BadRequestError):
        client.coinswitch_balance(bad)
    with make_client() as client, pytest.raises(adapter.BadRequestError):
        client.coinswitch_balances("1001")
    assert venues.requests == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", 0),
        ("timeout", -1),
        ("timeout", float("nan")),
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("max_in_flight", 0),
        ("kalshi_rate_limit", 0),
        ("coinswitch_rate_limit", -2.0),
        ("kalshi_base_url", "ftp://x"),
        ("coinswitch_base_url", "not a url"),
    ],
)
def test_bad_options_are_refused(client_options: dict[str, Any], option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option.split("_")[0]):
        adapter.BalanceClient(**{**client_options, option: value})


def test_repr_hides_keys(make_client: Any) -> None:
    text = repr(make_client())
    assert CS_SECRET not in text and "KalshiSigner(key_id='kalshi-key-id'" in text


# Async ----------------------------------------------------------------------------------


def test_async_client_end_to_end(make_async_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = KALSHI_BODY
    venues.coinswitch.update({1001: cs_body(1001), 1002: cs_body(1002), 9999: not_found})

    async def main() -> Any:
        async with make_async_client() as client:
            kalshi = await client.kalshi_balances()
            one = await client.coinswitch_balance(1002)
            many = await client.coinswitch_balances([1002, 1001])
            report = await client.all_balances([1001, 9999])
            with pytest.raises(adapter.NotFoundError):
                await client.coinswitch_balances([1001, 9999])
            return kalshi, one, many, report

    kalshi, one, many, report = asyncio.run(main())
    assert [b.subaccount for b in kalshi] == [0, 1]
    assert one.subaccount == 1002
    assert [b.subaccount for b in many] == [1002, 1001]
    assert [b.subaccount for b in report.balances] == [0, 1, 1001]
    assert [(e.subaccount, e.error.kind) for e in report.errors] == [(9999, "not_found")]


def test_public_names_import_from_adapter() -> None:
    import subprocess
    import sys

    import adapter as package

    assert sorted(package.__all__) == sorted(package._HOME)
    for name in package.__all__:
        assert getattr(package, name).__name__ == name
    # `import adapter` alone stays light: the CLI's --help must not pay for httpx.
    code = "import adapter, sys; print('httpx' in sys.modules, 'cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("option", ["timeout", "retry_base_delay", "retry_max_delay"])
def test_an_absurd_number_of_seconds_is_a_configuration_error(
    sandbox: Sandbox, option: str
) -> None:
    with pytest.raises(adapter.ConfigurationError, match=option):
        sandbox.client(**{option: 1e10})
    sandbox.client(**{option: 86400}).close()

"""What a second, independent hostile review found (each test failed before its fix)."""

from __future__ import annotations

import pytest

import adapter
from adapter.sandbox import Sandbox


@pytest.mark.parametrize(
    "url",
    [
        "https://api.elections.kalshi..com/trade-api/v2",  # a doubled dot: an empty label
        "https://" + "a" * 64 + ".example/trade-api/v2",  # a label over 63 characters
        "http://xn--/trade-api/v2",
        "http://h\udcff.example/trade-api/v2",  # a byte that is not UTF-8, from the environment
    ],
    ids=["empty-label", "long-label", "bad-punycode", "surrogate"],
)
def test_a_host_no_resolver_takes_is_a_configuration_error(sandbox: Sandbox, url: str) -> None:
    with pytest.raises(adapter.ConfigurationError, match="kalshi base URL"):
        sandbox.client(kalshi_base_url=url)
    with pytest.raises(adapter.ConfigurationError, match="KALSHI_BASE_URL"):
        adapter.BalanceClient.from_env(
            {"COINSWITCH_API_KEY": "", "KALSHI_BASE_URL": url},
            coinswitch=sandbox.simulator("coinswitch_dma").signer(),
        )


def test_a_resolver_refusal_at_request_time_is_a_typed_error(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

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


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Sandbox:
    """`slow.test` takes 3 s to resolve; `named.test` is the sandbox's address."""
    import socket
    import time as clock

    resolve = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host == "slow.test":
            clock.sleep(3)
            host = "127.0.0.1"
        elif host == "named.test":
            host = "127.0.0.1"
        return resolve(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return sandbox


def test_name_resolution_ends_by_the_deadline(resolver: Sandbox) -> None:
    import time as clock

    port = resolver.url.rsplit(":", 1)[1]
    options = resolver.client_options(kalshi_base_url=f"http://slow.test:{port}/trade-api/v2")
    for call in ("kalshi_balances", "all_balances"):
        with adapter.BalanceClient(**options, timeout=1, max_retries=0) as client:
            started = clock.monotonic()
            try:
                outcome: object = getattr(client, call)()
            except adapter.AdapterError as error:
                outcome = error
            took = clock.monotonic() - started
        assert took < 1.25, (call, took)
        if call == "kalshi_balances":
            assert isinstance(outcome, adapter.VenueUnavailableError)
        else:
            assert isinstance(outcome, adapter.BalanceReport)
            assert [e.venue for e in outcome.errors] == ["kalshi"]
            assert len(outcome.balances) == 4  # CoinSwitch's whole master


def test_a_resolved_name_is_connected_to(resolver: Sandbox) -> None:
    port = resolver.url.rsplit(":", 1)[1]
    options = resolver.client_options(kalshi_base_url=f"http://named.test:{port}/trade-api/v2")
    with adapter.BalanceClient(**options) as client:
        assert len(client.kalshi_balances()) == 3


@pytest.mark.parametrize("option", ["timeout", "retry_base_delay", "retry_max_delay"])
def test_an_absurd_number_of_seconds_is_a_configuration_error(
    sandbox: Sandbox, option: str
) -> None:
    with pytest.raises(adapter.ConfigurationError, match=option):
        sandbox.client(**{option: 1e10})
    sandbox.client(**{option: 86400}).close()


def test_a_failed_positions_read_keeps_the_cash_total_whole(sandbox: Sandbox) -> None:
    from adapter.render import as_table
    from adapter.unattended.floors import check_floors, parse_floors

    sandbox.simulator("kalshi").balance_errors[1] = 404
    try:
        with sandbox.client(coinswitch=None) as client:
            report = client.all_balances(kalshi_positions=True)
    finally:
        sandbox.simulator("kalshi").balance_errors.clear()
    assert len(report.balances) == 3 and len(report.errors) == 1
    assert report.unfetched("kalshi") == []
    totals = as_table(report).split("TOTALS")[1]
    [line] = [row for row in totals.splitlines() if row.startswith("kalshi")]
    assert "1821.123456" in line and "incomplete: " not in line.replace("value incomplete", "")
    assert line.endswith("portfolio value incomplete: 1 could not be read")
    [breach] = check_floors(parse_floors(["kalshi:total=2000"]), report).breaches
    assert not breach.incomplete, "every balance of the total was fetched"

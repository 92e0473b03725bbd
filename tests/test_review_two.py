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

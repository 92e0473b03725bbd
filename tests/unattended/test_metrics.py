"""Prometheus families of the last poll: names, labels, values, counters, nothing stale."""

from __future__ import annotations

from decimal import Decimal

import attrs
import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapter.domain import BalanceReport, Venue
from adapter.errors import NotFoundError, RateLimitedError, VenueUnavailableError
from adapter.unattended.floors import parse_floors
from adapter.unattended.metrics import ERROR_KINDS, BalanceMetrics, exposition
from tests.unattended.samples import (
    DAY,
    T0,
    coinswitch,
    failure,
    full_coinswitch,
    full_kalshi,
    kalshi,
    report,
)

VENUES = ["kalshi", "coinswitch_dma"]
ACCOUNTS = [(venue, venue) for venue in VENUES]
"""Accounts from the environment: one per venue, named after it."""


def value(metrics: BalanceMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def samples(metrics: BalanceMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample of one metric, by its sorted labels."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == name
    }


def both_venues(at: int = 0) -> BalanceReport:
    return report(
        full_kalshi(0, Decimal("1500.25")),
        kalshi(3, "0.000001"),
        full_coinswitch(None, "5000.00"),
        coinswitch(1001, "12.5"),
        at=T0 + at * DAY,
    )


def test_families_labels_and_values() -> None:
    metrics = BalanceMetrics(ACCOUNTS)
    metrics.observe(both_venues(), duration=1.5)

    assert samples(metrics, "venue_balances_balance") == {
        (
            ("account", "kalshi"),
            ("currency", "USD"),
            ("subaccount", "0"),
            ("venue", "kalshi"),
        ): 1500.25,
        (
            ("account", "kalshi"),
            ("currency", "USD"),
            ("subaccount", "3"),
            ("venue", "kalshi"),
        ): 0.000001,
        (
            ("account", "coinswitch_dma"),
            ("currency", "USDT"),
            ("subaccount", "master"),
            ("venue", "coinswitch_dma"),
        ): 5000.0,
        (
            ("account", "coinswitch_dma"),
            ("currency", "USDT"),
            ("subaccount", "1001"),
            ("venue", "coinswitch_dma"),
        ): 12.5,
    }
    # Only the balance that has one.
    assert samples(metrics, "venue_balances_portfolio_value") == {
        (
            ("account", "kalshi"),
            ("currency", "USD"),
            ("subaccount", "0"),
            ("venue", "kalshi"),
        ): 12.34
    }
    assert samples(metrics, "venue_balances_asset_equity") == {
        (
            ("account", "coinswitch_dma"),
            ("asset", "USDT"),
            ("subaccount", "master"),
            ("venue", "coinswitch_dma"),
        ): 5000.0,
        (
            ("account", "coinswitch_dma"),
            ("asset", "BTC"),
            ("subaccount", "master"),
            ("venue", "coinswitch_dma"),
        ): 1e-08,
        (
            ("account", "coinswitch_dma"),
            ("asset", "USDT"),
            ("subaccount", "1001"),
            ("venue", "coinswitch_dma"),
        ): 12.5,
    }
    assert value(metrics, "venue_balances_up", account="kalshi", venue="kalshi") == 1
    assert (
        value(metrics, "venue_balances_up", account="coinswitch_dma", venue="coinswitch_dma") == 1
    )
    assert value(
        metrics, "venue_balances_last_success_timestamp_seconds", account="kalshi", venue="kalshi"
    ) == (T0.timestamp())
    assert value(metrics, "venue_balances_poll_duration_seconds") == 1.5
    assert samples(metrics, "venue_balances_fetch_errors_total") == {
        (("account", venue), ("kind", kind), ("venue", venue)): 0.0
        for venue in VENUES
        for kind in ERROR_KINDS
    }
    assert len(ERROR_KINDS) == 8
    assert samples(metrics, "venue_balances_below_minimum") == {}  # no floors, no family


def test_before_the_first_poll_only_zero_counters() -> None:
    metrics = BalanceMetrics(ACCOUNTS)
    assert samples(metrics, "venue_balances_up") == {}
    assert samples(metrics, "venue_balances_balance") == {}
    assert value(metrics, "venue_balances_poll_duration_seconds") is None
    assert set(samples(metrics, "venue_balances_fetch_errors_total").values()) == {0.0}


def test_counters_keep_counting_across_polls() -> None:
    metrics = BalanceMetrics(ACCOUNTS)
    missing = failure(Venue.COINSWITCH_DMA, 9999, NotFoundError("no such subaccount"))
    limited = failure(Venue.KALSHI, None, RateLimitedError("slow down"))
    metrics.observe(report(kalshi(0, "1"), errors=(missing,)), duration=1.0)
    metrics.observe(report(kalshi(0, "1"), errors=(missing,)), duration=1.0)
    metrics.observe(report(errors=(missing, limited)), duration=1.0)
    metrics.observe(both_venues(), duration=1.0)  # a clean poll resets nothing

    def errors(venue: str, kind: str) -> float | None:
        return value(
            metrics, "venue_balances_fetch_errors_total", account=venue, venue=venue, kind=kind
        )

    assert errors("coinswitch_dma", "not_found") == 3
    assert errors("kalshi", "rate_limited") == 1
    assert errors("kalshi", "not_found") == 0

    # A poll that raised counts once for every configured venue.
    metrics.observe_failure(VenueUnavailableError("deadline passed"), duration=10.0)
    metrics.observe_failure(VenueUnavailableError("deadline passed"), duration=10.0)
    assert errors("kalshi", "unavailable") == 2
    assert errors("coinswitch_dma", "unavailable") == 2
    assert errors("coinswitch_dma", "not_found") == 3


def test_a_failed_venue_drops_its_balances_and_is_down() -> None:
    metrics = BalanceMetrics(ACCOUNTS)
    metrics.observe(both_venues(at=0), duration=1.0)
    down = failure(
        Venue.KALSHI, None, VenueUnavailableError("timed out", account="kalshi", venue="kalshi")
    )
    metrics.observe(
        report(
            full_coinswitch(None, "4000.00"),
            coinswitch(1001, "13"),
            errors=(down,),
            at=T0 + DAY,
        ),
        duration=1.0,
    )

    assert value(metrics, "venue_balances_up", account="kalshi", venue="kalshi") == 0
    assert (
        value(metrics, "venue_balances_up", account="coinswitch_dma", venue="coinswitch_dma") == 1
    )
    venues = {dict(labels)["venue"] for labels in samples(metrics, "venue_balances_balance")}
    assert venues == {"coinswitch_dma"}  # no stale Kalshi balances
    assert samples(metrics, "venue_balances_portfolio_value") == {}
    assert value(metrics, "venue_balances_balance", **_at("coinswitch_dma", "master", "USDT")) == (
        4000.0
    )
    # The last success stays the last poll that did succeed.
    assert value(
        metrics, "venue_balances_last_success_timestamp_seconds", account="kalshi", venue="kalshi"
    ) == (T0.timestamp())
    assert (
        value(
            metrics,
            "venue_balances_last_success_timestamp_seconds",
            account="coinswitch_dma",
            venue="coinswitch_dma",
        )
        == (T0 + DAY).timestamp()
    )


def test_a_failed_subaccount_drops_only_its_own_samples() -> None:
    metrics = BalanceMetrics(ACCOUNTS)
    metrics.observe(both_venues(), duration=1.0)
    gone = failure(Venue.COINSWITCH_DMA, 1001, VenueUnavailableError("timed out"))
    metrics.observe(
        report(full_kalshi(0, Decimal("1")), full_coinswitch(None, "1"), errors=(gone,)),
        duration=1.0,
    )
    subaccounts = {
        (dict(labels)["venue"], dict(labels)["subaccount"])
        for labels in samples(metrics, "venue_balances_balance")
    }
    assert subaccounts == {("kalshi", "0"), ("coinswitch_dma", "master")}
    assert (
        value(metrics, "venue_balances_up", account="coinswitch_dma", venue="coinswitch_dma") == 0
    )
    assert value(metrics, "venue_balances_up", account="kalshi", venue="kalshi") == 1


def test_a_poll_that_raised_leaves_nothing_but_health() -> None:
    metrics = BalanceMetrics(ACCOUNTS, parse_floors(["kalshi=1"]))
    metrics.observe(both_venues(), duration=1.0)
    metrics.observe_failure(VenueUnavailableError("client closed"), duration=0.5)

    for name in (
        "venue_balances_balance",
        "venue_balances_asset_equity",
        "venue_balances_portfolio_value",
        "venue_balances_below_minimum",
    ):
        assert samples(metrics, name) == {}, name
    assert {v: value(metrics, "venue_balances_up", account=v, venue=v) for v in VENUES} == {
        "kalshi": 0,
        "coinswitch_dma": 0,
    }
    assert value(metrics, "venue_balances_poll_duration_seconds") == 0.5
    assert value(
        metrics, "venue_balances_last_success_timestamp_seconds", account="kalshi", venue="kalshi"
    ) == (T0.timestamp())
    # An exception that is not a fetch error marks every venue down but counts no kind.
    metrics.observe_failure(RuntimeError("bug"), duration=0.5)
    assert sum(samples(metrics, "venue_balances_fetch_errors_total").values()) == 2


def test_below_minimum_per_floor() -> None:
    floors = parse_floors(
        ["kalshi=0.00001", "coinswitch_dma:master=1000", "coinswitch_dma:77=1", "kalshi:total=1"]
    )
    metrics = BalanceMetrics(ACCOUNTS, floors)
    metrics.observe(both_venues(), duration=1.0)
    assert samples(metrics, "venue_balances_below_minimum") == {
        (("selector", "kalshi"),): 1.0,  # subaccount 3 holds 0.000001
        (("selector", "coinswitch_dma:master"),): 0.0,
        (("selector", "kalshi:total"),): 0.0,
        # coinswitch_dma:77 was not fetched: no sample rather than a guess
    }


def test_exposition_is_the_text_format_of_its_own_registry() -> None:
    text = exposition(
        both_venues(), accounts=ACCOUNTS, floors=parse_floors(["kalshi=2000"]), duration=0.25
    )
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["venue_balances_fetch_errors"].type == "counter"
    assert "# TYPE venue_balances_fetch_errors_total counter" in text
    assert families["venue_balances_balance"].type == "gauge"
    assert 'venue_balances_below_minimum{selector="kalshi"} 1.0' in text
    assert "venue_balances_poll_duration_seconds 0.25" in text
    assert (
        'venue_balances_balance{account="coinswitch_dma",currency="USDT",subaccount="master",venue="coinswitch_dma"}'
        in (text)
    )
    # A registry of its own: no process or GC collectors, nothing in the global registry.
    assert not any(name.startswith(("process_", "python_gc")) for name in families)
    assert prometheus_client.REGISTRY.get_sample_value(
        "venue_balances_up", {"account": "kalshi", "venue": "kalshi"}
    ) is (None)


def test_unknown_venues_are_refused() -> None:
    with pytest.raises(ValueError, match="binance"):
        BalanceMetrics([("binance", "binance")])


def _at(venue: str, subaccount: str, currency: str) -> dict[str, str]:
    return {"account": venue, "venue": venue, "subaccount": subaccount, "currency": currency}


def test_every_per_account_family_is_labelled_by_account() -> None:
    """Two Kalshi members: their subaccount 0 are two series, their health their own."""
    desk = report(kalshi(0, "1.00"), kalshi(1, "2.00"))
    fund = report(kalshi(0, "3.00"))
    rows = [
        *(attrs.evolve(b, account="us-desk") for b in desk.balances),
        *(attrs.evolve(b, account="us-fund") for b in fund.balances),
    ]
    down = attrs.evolve(
        failure(Venue.KALSHI, None, VenueUnavailableError("timed out")), account="us-fund"
    )
    metrics = BalanceMetrics([("us-desk", "kalshi"), ("us-fund", "kalshi")])
    metrics.observe(report(*rows, errors=(down,)), duration=1.0)
    balance = samples(metrics, "venue_balances_balance")
    assert (
        balance[
            (("account", "us-fund"), ("currency", "USD"), ("subaccount", "0"), ("venue", "kalshi"))
        ]
        == 3.0
    )
    assert (
        balance[
            (("account", "us-desk"), ("currency", "USD"), ("subaccount", "0"), ("venue", "kalshi"))
        ]
        == 1.0
    )
    assert value(metrics, "venue_balances_up", account="us-desk", venue="kalshi") == 1
    assert value(metrics, "venue_balances_up", account="us-fund", venue="kalshi") == 0
    assert value(
        metrics, "venue_balances_fetch_errors_total", account="us-fund", venue="kalshi",
        kind="unavailable",
    ) == 1  # fmt: skip
    assert value(
        metrics, "venue_balances_fetch_errors_total", account="us-desk", venue="kalshi",
        kind="unavailable",
    ) == 0  # fmt: skip
    # A reload drops an account: its series leave, the others stay.
    metrics.reconfigure([("us-desk", "kalshi")])
    assert {dict(k)["account"] for k in samples(metrics, "venue_balances_balance")} == {"us-desk"}
    assert value(metrics, "venue_balances_up", account="us-fund", venue="kalshi") is None


def test_label_values_from_a_venue_are_made_printable() -> None:
    coin = full_coinswitch(None, "1.00")
    hostile = attrs.evolve(
        coin, assets=(attrs.evolve(coin.assets[0], asset="U\x1b[2JSD\ud800\u200b"),)
    )
    text = exposition(report(hostile), accounts=ACCOUNTS)
    assert "\x1b" not in text and "\u200b" not in text
    text.encode()  # a lone surrogate would fail here
    assert 'asset="U\\\\x1b[2JSD\\\\ud800\\\\u200b"' in text

"""Prometheus metric families of the last poll: `serve`'s /metrics and `fetch --format prometheus`.

    from adapter.unattended.metrics import BalanceMetrics, exposition

    # fetch --format prometheus: the families once, in the text exposition format
    text = exposition(report, venues=requested_venues, floors=floors, duration=seconds)

    # serve (adapter.unattended.exporter does this): one BalanceMetrics, fed after every poll
    metrics = BalanceMetrics(venues, floors)
    metrics.observe(report, duration=seconds)        # or observe_failure(exc, duration=...)
    make_wsgi_app(metrics.registry)                  # a scrape only reads the last poll

Families (label `subaccount` is the number, or `master` for a master account):

    venue_balances_balance{venue,subaccount,currency}            gauge
    venue_balances_portfolio_value{venue,subaccount,currency}    gauge, where the poll read it
    venue_balances_asset_equity{venue,subaccount,asset}          gauge
    venue_balances_up{venue}                                     1: the last poll fetched all
    venue_balances_last_success_timestamp_seconds{venue}         gauge, once a poll succeeded
    venue_balances_fetch_errors_total{venue,kind}                counter, across polls
    venue_balances_poll_duration_seconds                         the last poll's wall time
    venue_balances_below_minimum{selector}                       1/0 per floor (with --min)

Only what the last poll fetched is exported: a subaccount or venue it could not read has no
balance samples (nothing stale), and its venue's `up` is 0. A floor the last poll had nothing
to compare with has no `below_minimum` sample. `fetch_errors_total` starts at 0 for every
configured venue and error kind, so that `increase()` sees the first error. Values are floats
for display and alerting; exact amounts live in JSON, CSV and history.

The registry is the object's own (no process or GC collectors, no global state). `observe`
builds a new immutable state and swaps it in one assignment, so a scrape running at the
same time sees the previous poll or the new one, never a mix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence

import attrs
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from adapter import errors
from adapter.domain import BalanceReport, SubaccountBalance, Venue, subaccount_label
from adapter.unattended.floors import Floor, check_floors

__all__ = ["ERROR_KINDS", "BalanceMetrics", "exposition"]

ERROR_KINDS = tuple(
    cls.kind
    for cls in (
        errors.BadRequestError,
        errors.AuthenticationError,
        errors.ForbiddenError,
        errors.NotFoundError,
        errors.RateLimitedError,
        errors.VenueUnavailableError,
        errors.MalformedResponseError,
        errors.CredentialsError,
    )
)
"""The `kind` label values a fetch error can have (the JSON's `kind`)."""


@attrs.frozen(kw_only=True)
class _Poll:
    """What the last poll left for the scrapes to read; replaced whole by each poll."""

    balances: tuple[SubaccountBalance, ...] = ()
    up: dict[str, bool] = attrs.field(factory=dict)
    last_success: dict[str, float] = attrs.field(factory=dict)  # Unix seconds
    errors_total: dict[tuple[str, str], int] = attrs.field(factory=dict)
    duration: float | None = None  # seconds
    below_minimum: dict[str, bool] = attrs.field(factory=dict)


class BalanceMetrics:
    """The exporter's metric families over the last poll, in a registry of their own."""

    def __init__(
        self,
        venues: Iterable[Venue | str],
        floors: Sequence[Floor] = (),
        *,
        simulated: bool = False,
    ) -> None:
        self.venues = [str(Venue(venue)) for venue in venues]
        self.floors = list(floors)
        self.simulated = simulated
        """Whether the numbers come from the built-in sandbox (`venue_balances_simulated`)."""
        self._lock = threading.Lock()  # one poll's update at a time; scrapes never wait
        self._poll = _Poll(
            errors_total={(venue, kind): 0 for venue in self.venues for kind in ERROR_KINDS}
        )
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def observe(self, report: BalanceReport, *, duration: float | None) -> None:
        """Make `report` (a poll that took `duration` seconds) what scrapes see."""
        failed = {str(failure.venue) for failure in report.errors}
        seen = {str(balance.venue) for balance in report.balances} | failed
        venues = [*self.venues, *sorted(seen - set(self.venues))]
        check = check_floors(self.floors, report)
        broken = {breach.selector for breach in check.breaches}
        unchecked = {floor.selector for floor in check.unchecked}
        with self._lock:
            last_success = dict(self._poll.last_success)
            for venue in venues:
                if venue not in failed:
                    last_success[venue] = report.fetched_at.timestamp()
            self._poll = _Poll(
                balances=tuple(report.balances),
                up={venue: venue not in failed for venue in venues},
                last_success=last_success,
                errors_total=self._counted(
                    (str(failure.venue), failure.error.kind) for failure in report.errors
                ),
                duration=duration,
                below_minimum={
                    floor.selector: floor.selector in broken
                    for floor in self.floors
                    if floor.selector not in unchecked
                },
            )

    def observe_failure(self, error: Exception, *, duration: float | None) -> None:
        """A poll that raised: every venue is down, and an `AdapterError` counts for each."""
        kind = error.kind if isinstance(error, errors.AdapterError) else None
        with self._lock:
            self._poll = _Poll(
                up=dict.fromkeys(self.venues, False),
                last_success=self._poll.last_success,
                errors_total=self._counted(
                    [] if kind is None else [(venue, kind) for venue in self.venues]
                ),
                duration=duration,
            )

    def _counted(self, new: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        totals = dict(self._poll.errors_total)
        for key in new:
            totals[key] = totals.get(key, 0) + 1
        return totals

    def collect(self) -> Iterator[Metric]:
        """The families of the last poll (called by the registry on each scrape)."""
        poll = self._poll  # one read: the whole of one poll
        where = ["venue", "subaccount"]
        balance = GaugeMetricFamily(
            "venue_balances_balance",
            "Balance of a subaccount in its venue's currency (display float; exact in JSON).",
            labels=[*where, "currency"],
        )
        portfolio = GaugeMetricFamily(
            "venue_balances_portfolio_value",
            "Value of a subaccount's open positions, where the poll read it.",
            labels=[*where, "currency"],
        )
        equity = GaugeMetricFamily(
            "venue_balances_asset_equity",
            "Equity of one asset inside a subaccount, in that asset.",
            labels=[*where, "asset"],
        )
        for row in poll.balances:
            at = [str(row.venue), subaccount_label(row.subaccount)]
            balance.add_metric([*at, row.currency], float(row.balance))  # display only
            if row.portfolio_value is not None:
                portfolio.add_metric([*at, row.currency], float(row.portfolio_value))
            for asset in row.assets:
                equity.add_metric([*at, asset.asset], float(asset.equity))
        yield from (balance, portfolio, equity)

        up = GaugeMetricFamily(
            "venue_balances_up",
            "1 when the last poll of the venue fetched every balance, else 0.",
            labels=["venue"],
        )
        for venue, fetched in poll.up.items():
            up.add_metric([venue], 1.0 if fetched else 0.0)
        yield up

        last_success = GaugeMetricFamily(
            "venue_balances_last_success_timestamp_seconds",
            "Unix time of the start of the last poll that fetched every balance of the venue.",
            labels=["venue"],
        )
        for venue, seconds in poll.last_success.items():
            last_success.add_metric([venue], seconds)
        yield last_success

        fetch_errors = CounterMetricFamily(
            "venue_balances_fetch_errors",
            "Balances or venues a poll could not fetch, by error kind.",
            labels=["venue", "kind"],
        )
        for (venue, kind), count in sorted(poll.errors_total.items()):
            fetch_errors.add_metric([venue, kind], count)
        yield fetch_errors

        if poll.duration is not None:
            yield GaugeMetricFamily(
                "venue_balances_poll_duration_seconds",
                "Wall time of the last poll.",
                value=poll.duration,
            )

        if self.floors:
            below = GaugeMetricFamily(
                "venue_balances_below_minimum",
                "1 when a balance (or total) the floor selects is below it (--min), else 0.",
                labels=["selector"],
            )
            for selector, broken in poll.below_minimum.items():
                below.add_metric([selector], 1.0 if broken else 0.0)
            yield below
        yield GaugeMetricFamily(
            "venue_balances_simulated",
            "1 when these numbers come from the built-in sandbox, not from the venues.",
            value=1.0 if self.simulated else 0.0,
        )

    def exposition(self) -> str:
        """The families in the Prometheus text exposition format."""
        return generate_latest(self.registry).decode()


def exposition(
    report: BalanceReport,
    *,
    venues: Iterable[Venue | str],
    floors: Sequence[Floor] = (),
    duration: float | None = None,  # seconds
    simulated: bool = False,
) -> str:
    """One report's families in the text exposition format (`fetch --format prometheus`)."""
    metrics = BalanceMetrics(venues, floors, simulated=simulated)
    metrics.observe(report, duration=duration)
    return metrics.exposition()

"""Prometheus metric families of the last poll: `serve`'s /metrics and `fetch --format prometheus`.

    from adapter.unattended.metrics import BalanceMetrics, exposition

    # fetch --format prometheus: the families once, in the text exposition format
    text = exposition(report, accounts=[("us-desk", Venue.KALSHI)], floors=floors, duration=s)

    # serve (adapter.unattended.exporter does this): one BalanceMetrics, fed after every poll
    metrics = BalanceMetrics(accounts, floors)
    metrics.observe(report, duration=seconds)        # or observe_failure(exc, duration=...)
    make_wsgi_app(metrics.registry)                  # a scrape only reads the last poll

Families (label `subaccount` is the number, or `master` for a master account; `account` the
account's name, its venue's when configured from environment variables):

    venue_balances_balance{account,venue,subaccount,currency}          gauge
    venue_balances_portfolio_value{account,venue,subaccount,currency}  gauge, where read
    venue_balances_asset_equity{account,venue,subaccount,asset}        gauge
    venue_balances_up{account,venue}                  1: the last poll fetched all of it
    venue_balances_last_success_timestamp_seconds{account,venue}   once a poll succeeded
    venue_balances_fetch_errors_total{account,venue,kind}          counter, across polls
    venue_balances_poll_duration_seconds                           the last poll's wall time
    venue_balances_below_minimum{selector}                         1/0 per floor (--min)
    venue_balances_simulated                                       1: sandbox numbers

Only what the last poll fetched is exported: a subaccount or account it could not read has
no balance samples (nothing stale), and its account's `up` is 0. A floor the last poll had
nothing to compare with has no `below_minimum` sample. `fetch_errors_total` starts at 0 for
every configured account and error kind, so that `increase()` sees the first error. Label
values are made printable (`fields.printable`): a venue's text never puts a control
character into the exposition. Values are floats
for display and alerting; exact amounts live in JSON, CSV and history.

The registry is the object's own (no process or GC collectors, no global state). `observe`
builds a new immutable state and swaps it in one assignment, so a scrape running at the
same time sees the previous poll or the new one, never a mix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TypeAlias

import attrs
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from adapter import errors
from adapter.domain import BalanceReport, SubaccountBalance, Venue, subaccount_label
from adapter.fields import printable
from adapter.unattended.floors import Floor, FloorCheck, check_floors

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
    up: dict[Key, bool] = attrs.field(factory=dict)
    last_success: dict[Key, float] = attrs.field(factory=dict)  # Unix seconds
    errors_total: dict[tuple[str, str, str], int] = attrs.field(factory=dict)
    duration: float | None = None  # seconds
    below_minimum: dict[str, bool] = attrs.field(factory=dict)


Key: TypeAlias = tuple[str, str]
"""An account's (name, venue): the labels of its `up`, `last_success` and error counts."""


class BalanceMetrics:
    """The exporter's metric families over the last poll, in a registry of their own."""

    def __init__(
        self,
        accounts: Iterable[tuple[str, Venue | str]],
        floors: Sequence[Floor] = (),
        *,
        simulated: bool = False,
        masters: Mapping[str, int] | None = None,
    ) -> None:
        self.accounts: list[Key] = [(name, str(Venue(venue))) for name, venue in accounts]
        self.floors = list(floors)
        self.simulated = simulated
        """Whether the numbers come from the built-in sandbox (`venue_balances_simulated`)."""
        self.masters: Mapping[str, int] = masters if masters is not None else {}
        """Masters' numeric ids by account, for floors that name a master by its id."""
        self._lock = threading.Lock()  # one poll's update at a time; scrapes never wait
        self._poll = _Poll(
            errors_total={
                (name, venue, kind): 0 for name, venue in self.accounts for kind in ERROR_KINDS
            }
        )
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def reconfigure(self, accounts: Iterable[tuple[str, Venue | str]]) -> None:
        """The accounts polled from now on: one no longer polled leaves every family, a
        new one's error counts start at 0."""
        keys = [(name, str(Venue(venue))) for name, venue in accounts]
        with self._lock:
            kept = set(keys)
            poll = self._poll
            self.accounts = keys
            self._poll = attrs.evolve(
                poll,
                balances=tuple(b for b in poll.balances if (b.account, str(b.venue)) in kept),
                up={key: up for key, up in poll.up.items() if key in kept},
                last_success={k: t for k, t in poll.last_success.items() if k in kept},
                errors_total={
                    (name, venue, kind): poll.errors_total.get((name, venue, kind), 0)
                    for name, venue in keys
                    for kind in ERROR_KINDS
                },
            )

    def observe(self, report: BalanceReport, *, duration: float | None) -> FloorCheck:
        """Make `report` (a poll that took `duration` seconds) what scrapes see; the
        floors' check of it."""
        failed = {(failure.account, str(failure.venue)) for failure in report.errors}
        seen = {(balance.account, str(balance.venue)) for balance in report.balances} | failed
        accounts = [*self.accounts, *sorted(seen - set(self.accounts))]
        check = check_floors(self.floors, report, masters=self.masters)
        broken = {breach.selector for breach in check.breaches}
        unchecked = {floor.selector for floor in check.unchecked}
        with self._lock:
            last_success = dict(self._poll.last_success)
            for key in accounts:
                if key not in failed:
                    last_success[key] = report.fetched_at.timestamp()
            self._poll = _Poll(
                balances=tuple(report.balances),
                up={key: key not in failed for key in accounts},
                last_success=last_success,
                errors_total=self._counted(
                    (failure.account, str(failure.venue), failure.error.kind)
                    for failure in report.errors
                ),
                duration=duration,
                below_minimum={
                    floor.selector: floor.selector in broken
                    for floor in self.floors
                    if floor.selector not in unchecked
                },
            )
        return check

    def up(self) -> dict[Key, bool]:
        """Whether the last poll fetched everything of each account."""
        return dict(self._poll.up)

    def observe_failure(self, error: Exception, *, duration: float | None) -> None:
        """A poll that raised: every account is down, and an `AdapterError` counts for each."""
        kind = error.kind if isinstance(error, errors.AdapterError) else None
        with self._lock:
            self._poll = _Poll(
                up=dict.fromkeys(self.accounts, False),
                last_success=self._poll.last_success,
                errors_total=self._counted(
                    [] if kind is None else [(*key, kind) for key in self.accounts]
                ),
                duration=duration,
            )

    def _counted(self, new: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
        totals = dict(self._poll.errors_total)
        for key in new:
            totals[key] = totals.get(key, 0) + 1
        return totals

    def collect(self) -> Iterator[Metric]:
        """The families of the last poll (called by the registry on each scrape)."""
        poll = self._poll  # one read: the whole of one poll
        where = ["account", "venue", "subaccount"]
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
            at = [row.account, str(row.venue), subaccount_label(row.subaccount)]
            currency = printable(row.currency)
            balance.add_metric([*at, currency], float(row.balance))  # display only
            if row.portfolio_value is not None:
                portfolio.add_metric([*at, currency], float(row.portfolio_value))
            for asset in row.assets:
                equity.add_metric([*at, printable(asset.asset)], float(asset.equity))
        yield from (balance, portfolio, equity)

        up = GaugeMetricFamily(
            "venue_balances_up",
            "1 when the last poll of the account fetched every balance, else 0.",
            labels=["account", "venue"],
        )
        for key, fetched in poll.up.items():
            up.add_metric(list(key), 1.0 if fetched else 0.0)
        yield up

        last_success = GaugeMetricFamily(
            "venue_balances_last_success_timestamp_seconds",
            "Unix time of the start of the last poll that fetched every balance of the account.",
            labels=["account", "venue"],
        )
        for key, seconds in poll.last_success.items():
            last_success.add_metric(list(key), seconds)
        yield last_success

        fetch_errors = CounterMetricFamily(
            "venue_balances_fetch_errors",
            "Balances or accounts a poll could not fetch, by error kind.",
            labels=["account", "venue", "kind"],
        )
        for labels, count in sorted(poll.errors_total.items()):
            fetch_errors.add_metric(list(labels), count)
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
    accounts: Iterable[tuple[str, Venue | str]],
    floors: Sequence[Floor] = (),
    duration: float | None = None,  # seconds
    simulated: bool = False,
    masters: Mapping[str, int] | None = None,
) -> str:
    """One report's families in the text exposition format (`fetch --format prometheus`);
    `accounts` are those asked for, (name, venue) each."""
    metrics = BalanceMetrics(accounts, floors, simulated=simulated, masters=masters)
    metrics.observe(report, duration=duration)
    return metrics.exposition()

"""The one domain type both venues map into, and the report of a multi-venue fetch."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import attrs

from adapter.errors import AdapterError

__all__ = [
    "MASTER",
    "AssetBalance",
    "BalanceReport",
    "FetchError",
    "ShardBalance",
    "Subaccount",
    "SubaccountBalance",
    "Venue",
    "parse_subaccount",
    "subaccount_label",
]


class Venue(enum.StrEnum):
    """A venue venue-balances reads."""

    KALSHI = "kalshi"
    COINSWITCH_DMA = "coinswitch_dma"


@attrs.frozen(kw_only=True)
class AssetBalance:
    """One coin's balance inside a CoinSwitch DMA subaccount."""

    asset: str
    equity: Decimal
    wallet_balance: Decimal | None = None
    unrealised_pnl: Decimal | None = None
    equity_inr: Decimal | None = None
    wallet_balance_inr: Decimal | None = None
    unrealised_pnl_inr: Decimal | None = None


@attrs.frozen(kw_only=True)
class ShardBalance:
    """Cash held on one exchange shard (Kalshi's `exchange_index`)."""

    exchange_index: int
    balance: Decimal


@attrs.frozen(kw_only=True)
class SubaccountBalance:
    """How much money one subaccount holds on one venue; amounts are exact `Decimal`s."""

    venue: Venue
    subaccount: int | None
    primary: bool
    currency: str
    balance: Decimal
    portfolio_value: Decimal | None = None
    """Value of open positions, where the venue reports it and it was asked for."""
    shards: tuple[ShardBalance, ...] = ()
    """Cash per exchange shard, ascending `exchange_index`; `()` when none reported."""
    updated_at: datetime | None = None
    active: bool | None = None
    inr_rate: Decimal | None = None
    assets: tuple[AssetBalance, ...] = ()


@attrs.frozen(kw_only=True)
class Subaccount:
    """One row of a venue's subaccount list."""

    venue: Venue
    subaccount: int
    primary: bool
    active: bool | None = None


@attrs.frozen(kw_only=True)
class FetchError:
    """One venue's or subaccount's failure inside a `BalanceReport`."""

    venue: Venue
    subaccount: int | None
    error: AdapterError


@attrs.frozen(kw_only=True)
class BalanceReport:
    """What `all_balances` fetched, and what it could not; one failure never hides the rest."""

    balances: list[SubaccountBalance]
    errors: list[FetchError]
    fetched_at: datetime = attrs.field(factory=lambda: datetime.now(UTC))
    """When the fetch started (aware UTC)."""

    def unfetched(self, venue: Venue | str) -> list[FetchError]:
        """The venue's failures that cost a balance: those with no balance of their
        subaccount in the report (a failed read of what Kalshi positions are worth keeps
        its cash row, so a total of cash is still whole)."""
        present = {b.subaccount for b in self.balances if b.venue == venue}
        return [e for e in self.errors if e.venue == venue and e.subaccount not in present]


MASTER = "master"
"""The CoinSwitch master account (subaccount `None`) as users write it: in selectors,
filters and metric labels."""


def subaccount_label(subaccount: int | None) -> str:
    """A subaccount as text: its number, or `master` for the master account."""
    return MASTER if subaccount is None else str(subaccount)


def parse_subaccount(text: str) -> int | None:
    """The inverse of `subaccount_label`: `master` gives None, a subaccount id its int.

    Raises ValueError naming the text when it is neither.
    """
    if text == MASTER:
        return None
    # ASCII digits only (int() also takes "+1", " 1" and non-ASCII digits), and a size
    # SQLite can store.
    if (
        text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63
    ):  # the specs' int64
        return int(text)
    raise ValueError(f"not a subaccount id or {MASTER!r}: {text[:30]!r}")

"""The one domain type both venues map into, and the report of a multi-venue fetch."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

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


def _venue_name(self: Any) -> str:
    """An account's default name: its venue's (one account per venue, from the environment)."""
    return str(self.venue)


@attrs.frozen(kw_only=True)
class SubaccountBalance:
    """How much money one subaccount holds on one venue; amounts are exact `Decimal`s."""

    venue: Venue
    account: str = attrs.field(default=attrs.Factory(_venue_name, takes_self=True))
    """The name of the account (one set of credentials) it was read with."""
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
    account: str = attrs.field(default=attrs.Factory(_venue_name, takes_self=True))
    subaccount: int
    primary: bool
    active: bool | None = None


@attrs.frozen(kw_only=True)
class FetchError:
    """One account's or subaccount's failure inside a `BalanceReport`."""

    venue: Venue
    account: str = attrs.field(default=attrs.Factory(_venue_name, takes_self=True))
    subaccount: int | None
    error: AdapterError


@attrs.frozen(kw_only=True, repr=False)
class BalanceReport:
    """What `all_balances` fetched, and what it could not; one failure never hides the rest."""

    balances: list[SubaccountBalance]
    errors: list[FetchError]
    fetched_at: datetime = attrs.field(factory=lambda: datetime.now(UTC))
    """When the fetch started (aware UTC)."""

    def unfetched(self, name: Venue | str) -> list[FetchError]:
        """The failures that cost a balance of a venue (`name` is a venue's name) or of one
        account (an account's name): those with no balance of their subaccount, in their
        account, in the report (a failed read of what Kalshi positions are worth keeps its
        cash row, so a total of cash is still whole)."""
        by_venue = name in _VENUE_NAMES
        present = {
            (b.account, b.subaccount)
            for b in self.balances
            if (b.venue if by_venue else b.account) == name
        }
        return [
            e
            for e in self.errors
            if (e.venue if by_venue else e.account) == name
            and (e.account, e.subaccount) not in present
        ]

    def __repr__(self) -> str:
        """attrs' repr, its lists cut to their first few items and a count: a whole
        master's report would otherwise make a repr of tens of megabytes (asyncio.run()
        makes one of its main task's result, to restore the SIGINT handler)."""
        return (
            f"BalanceReport(balances={_items(self.balances)}, errors={_items(self.errors)},"
            f" fetched_at={self.fetched_at!r})"
        )


def _items(items: list[Any], shown: int = 10) -> str:
    if len(items) <= shown:
        return repr(items)
    return f"[{', '.join(map(repr, items[:shown]))}, ... {len(items) - shown:,} more]"


_VENUE_NAMES = frozenset(str(venue) for venue in Venue)


# Constructors for the mappings' hot paths --------------------------------------------------
#
# attrs' generated __init__ stores each keyword argument through `object.__setattr__` by
# name (a frozen class refuses plain assignment): about 0.8 µs for a SubaccountBalance and
# 0.3 µs for a ShardBalance, the largest single cost of mapping a big body. These classes
# have no validators or converters (and no factory but the account's default name), so the
# functions below, given every field, build the very same objects by storing straight into
# their slots, in about half the time. They take values a mapping has already checked (and
# every field: an attrs default, such as an account's name defaulting to its venue's, is the
# constructor's alone); tests/test_domain.py holds them to the attrs constructors field for
# field, and fails once a field is added or gains a validator.

_new = object.__new__
_SHARD_SLOTS = tuple(getattr(ShardBalance, f.name).__set__ for f in attrs.fields(ShardBalance))
_ASSET_SLOTS = tuple(getattr(AssetBalance, f.name).__set__ for f in attrs.fields(AssetBalance))
_BALANCE_SLOTS = tuple(
    getattr(SubaccountBalance, f.name).__set__ for f in attrs.fields(SubaccountBalance)
)
_FAILURE_SLOTS = tuple(getattr(FetchError, f.name).__set__ for f in attrs.fields(FetchError))


def build_shard(
    exchange_index: int, balance: Decimal, *, _slots: tuple[Any, ...] = _SHARD_SLOTS
) -> ShardBalance:
    """`ShardBalance(exchange_index=..., balance=...)`, built from checked values."""
    shard = _new(ShardBalance)
    set_index, set_balance = _slots
    set_index(shard, exchange_index)
    set_balance(shard, balance)
    return shard


def build_asset(
    asset: str,
    equity: Decimal,
    wallet_balance: Decimal | None,
    unrealised_pnl: Decimal | None,
    equity_inr: Decimal | None,
    wallet_balance_inr: Decimal | None,
    unrealised_pnl_inr: Decimal | None,
    *,
    _slots: tuple[Any, ...] = _ASSET_SLOTS,
) -> AssetBalance:
    """`AssetBalance(...)` with every field given in declaration order, from checked values."""
    row = _new(AssetBalance)
    s_asset, s_equity, s_wallet, s_pnl, s_equity_inr, s_wallet_inr, s_pnl_inr = _slots
    s_asset(row, asset)
    s_equity(row, equity)
    s_wallet(row, wallet_balance)
    s_pnl(row, unrealised_pnl)
    s_equity_inr(row, equity_inr)
    s_wallet_inr(row, wallet_balance_inr)
    s_pnl_inr(row, unrealised_pnl_inr)
    return row


def build_balance(
    venue: Venue,
    account: str,
    subaccount: int | None,
    primary: bool,
    currency: str,
    balance: Decimal,
    portfolio_value: Decimal | None,
    shards: tuple[ShardBalance, ...],
    updated_at: datetime | None,
    active: bool | None,
    inr_rate: Decimal | None,
    assets: tuple[AssetBalance, ...],
    *,
    _slots: tuple[Any, ...] = _BALANCE_SLOTS,
) -> SubaccountBalance:
    """`SubaccountBalance(...)` with every field given in declaration order, from checked
    values."""
    row = _new(SubaccountBalance)
    (s_venue, s_account, s_subaccount, s_primary, s_currency, s_balance, s_value, s_shards,
     s_updated, s_active, s_rate, s_assets) = _slots  # fmt: skip
    s_venue(row, venue)
    s_account(row, account)
    s_subaccount(row, subaccount)
    s_primary(row, primary)
    s_currency(row, currency)
    s_balance(row, balance)
    s_value(row, portfolio_value)
    s_shards(row, shards)
    s_updated(row, updated_at)
    s_active(row, active)
    s_rate(row, inr_rate)
    s_assets(row, assets)
    return row


def build_failure(
    venue: Venue,
    account: str,
    subaccount: int | None,
    error: AdapterError,
    *,
    _slots: tuple[Any, ...] = _FAILURE_SLOTS,
) -> FetchError:
    """`FetchError(...)` with every field given in declaration order: a whole master's
    children left unsent by a deadline are 10^5 of them, made after the deadline."""
    failure = _new(FetchError)
    s_venue, s_account, s_subaccount, s_error = _slots
    s_venue(failure, venue)
    s_account(failure, account)
    s_subaccount(failure, subaccount)
    s_error(failure, error)
    return failure


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

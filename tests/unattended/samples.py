"""Hand-built balances and reports for the history, floors, metrics and exporter tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapter.domain import (
    AssetBalance,
    BalanceReport,
    FetchError,
    ShardBalance,
    SubaccountBalance,
    Venue,
)
from adapter.errors import AdapterError, AuthenticationError, NotFoundError

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)

THIRTY_DIGITS = Decimal("123456789012345678901234.567891")
"""More digits than Decimal's default context (28) keeps through arithmetic."""


def kalshi(subaccount: int, balance: str, **extra: Any) -> SubaccountBalance:
    return SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=subaccount,
        primary=subaccount == 0,
        currency="USD",
        balance=Decimal(balance),
        **extra,
    )


def coinswitch(subaccount: int | None, balance: str, **extra: Any) -> SubaccountBalance:
    """A CoinSwitch DMA balance; `None` is the master."""
    fields: dict[str, Any] = {
        "active": None if subaccount is None else True,
        "inr_rate": Decimal("84.50"),
        "assets": (AssetBalance(asset="USDT", equity=Decimal(balance)),),
    }
    fields.update(extra)
    return SubaccountBalance(
        venue=Venue.COINSWITCH_DMA,
        subaccount=subaccount,
        primary=subaccount is None,
        currency="USDT",
        balance=Decimal(balance),
        **fields,
    )


def failure(venue: Venue, subaccount: int | None, error: AdapterError) -> FetchError:
    return FetchError(venue=venue, subaccount=subaccount, error=error)


def report(
    *balances: SubaccountBalance, errors: tuple[FetchError, ...] = (), at: datetime = T0
) -> BalanceReport:
    return BalanceReport(balances=list(balances), errors=list(errors), fetched_at=at)


def full_kalshi(subaccount: int, balance: Decimal) -> SubaccountBalance:
    """A Kalshi balance with every optional field set."""
    return SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=subaccount,
        primary=subaccount == 0,
        currency="USD",
        balance=balance,
        portfolio_value=Decimal("12.34"),
        shards=(
            ShardBalance(exchange_index=0, balance=balance),
            ShardBalance(exchange_index=1, balance=Decimal("-0.00")),
        ),
        updated_at=datetime(2025, 11, 21, 18, 59, 0, 123456, tzinfo=UTC),
    )


def full_coinswitch(subaccount: int | None, balance: str) -> SubaccountBalance:
    """A CoinSwitch DMA balance whose asset has every amount set."""
    return coinswitch(
        subaccount,
        balance,
        assets=(
            AssetBalance(
                asset="USDT",
                equity=Decimal(balance),
                wallet_balance=Decimal("0.000001"),
                unrealised_pnl=Decimal("-0.00"),
                equity_inr=Decimal("422500.00"),
                wallet_balance_inr=Decimal("0.0000000000000000000000000000001"),
                unrealised_pnl_inr=None,
            ),
            AssetBalance(asset="BTC", equity=Decimal("0.00000001")),
        ),
    )


def three_reports() -> list[BalanceReport]:
    """Three fetches a day apart: every optional field set, errors of two kinds, then none."""
    return [
        report(
            full_kalshi(0, THIRTY_DIGITS),
            kalshi(3, "-0.00"),
            full_coinswitch(None, "5000.00"),
            full_coinswitch(1001, "0.000001"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    9999,
                    NotFoundError("subaccount not found", venue="coinswitch_dma", status=404),
                ),
            ),
            at=T0,
        ),
        report(
            kalshi(0, "1500.2500"),
            errors=(
                failure(
                    Venue.COINSWITCH_DMA,
                    None,
                    AuthenticationError(
                        "bad signature",
                        venue="coinswitch_dma",
                        endpoint="GET /dma/api/v1/master/balance",
                        status=401,
                    ),
                ),
            ),
            at=T0 + DAY + timedelta(microseconds=7),
        ),
        report(at=T0 + 2 * DAY),
    ]

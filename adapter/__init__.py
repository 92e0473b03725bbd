"""venue-balances: exact, typed subaccount balances from Kalshi and CoinSwitch DMA.

    import adapter
    with adapter.BalanceClient.from_env() as client:
        report = client.all_balances(coinswitch_subaccounts=[1001, 1002])

Amounts are `decimal.Decimal` built from the venue's own strings; every failure is an
`adapter.AdapterError` naming the venue, endpoint and what was wrong.
"""

from adapter.client import AsyncBalanceClient, BalanceClient
from adapter.domain import AssetBalance, BalanceReport, FetchError, SubaccountBalance, Venue
from adapter.errors import (
    AdapterError,
    AuthenticationError,
    BadRequestError,
    CredentialsError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    VenueUnavailableError,
)
from adapter.signing import CoinSwitchSigner, KalshiSigner

__all__ = [
    "AdapterError",
    "AssetBalance",
    "AsyncBalanceClient",
    "AuthenticationError",
    "BadRequestError",
    "BalanceClient",
    "BalanceReport",
    "CoinSwitchSigner",
    "CredentialsError",
    "FetchError",
    "ForbiddenError",
    "KalshiSigner",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimitedError",
    "SubaccountBalance",
    "Venue",
    "VenueUnavailableError",
]

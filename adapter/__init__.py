"""venue-balances: exact, typed subaccount balances from Kalshi and CoinSwitch DMA.

    import adapter
    with adapter.BalanceClient.from_config() as client:   # accounts file, or environment
        report = client.all_balances()

Amounts are `decimal.Decimal` built from the venue's own strings; every failure is an
`adapter.AdapterError` naming the account, venue, endpoint and what was wrong.

The names below are imported on first use, so that `import adapter` (and the CLI's
`--help`) does not pay for httpx, cryptography and the generated clients up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapter.client import AsyncBalanceClient, BalanceClient
    from adapter.domain import (
        AssetBalance,
        BalanceReport,
        FetchError,
        ShardBalance,
        Subaccount,
        SubaccountBalance,
        Venue,
    )
    from adapter.errors import (
        AdapterError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        CredentialsError,
        ForbiddenError,
        MalformedResponseError,
        NotFoundError,
        RateLimitedError,
        VenueUnavailableError,
    )
    from adapter.venues.coinswitch_dma import CoinSwitchAccount
    from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner
    from adapter.venues.kalshi import KalshiAccount
    from adapter.venues.kalshi.signer import KalshiSigner

_HOMES = {
    "adapter.client": ["AsyncBalanceClient", "BalanceClient"],
    "adapter.domain": [
        "AssetBalance",
        "BalanceReport",
        "FetchError",
        "ShardBalance",
        "Subaccount",
        "SubaccountBalance",
        "Venue",
    ],
    "adapter.errors": [
        "AdapterError",
        "AuthenticationError",
        "BadRequestError",
        "ConfigurationError",
        "CredentialsError",
        "ForbiddenError",
        "MalformedResponseError",
        "NotFoundError",
        "RateLimitedError",
        "VenueUnavailableError",
    ],
    "adapter.venues.coinswitch_dma": ["CoinSwitchAccount"],
    "adapter.venues.coinswitch_dma.signer": ["CoinSwitchSigner"],
    "adapter.venues.kalshi": ["KalshiAccount"],
    "adapter.venues.kalshi.signer": ["KalshiSigner"],
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "AdapterError",
    "AssetBalance",
    "AsyncBalanceClient",
    "AuthenticationError",
    "BadRequestError",
    "BalanceClient",
    "BalanceReport",
    "CoinSwitchAccount",
    "CoinSwitchSigner",
    "ConfigurationError",
    "CredentialsError",
    "FetchError",
    "ForbiddenError",
    "KalshiAccount",
    "KalshiSigner",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimitedError",
    "ShardBalance",
    "Subaccount",
    "SubaccountBalance",
    "Venue",
    "VenueUnavailableError",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'adapter' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

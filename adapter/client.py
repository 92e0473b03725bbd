"""`BalanceClient` and `AsyncBalanceClient`: the client core plus every venue's methods.

The constructors are spelt out, venue by venue, so that a type checker rejects a
misspelt option; adding a venue adds its keywords here and its methods class to the bases.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Self

import httpx

from adapter import config
from adapter.domain import BalanceReport, Venue
from adapter.engine.account import AccountSettings
from adapter.engine.core import DEFAULT_TIMEOUT, Job, check_rate_limit
from adapter.engine.fanout import Progress
from adapter.errors import ConfigurationError
from adapter.venues import DEFINITIONS, coinswitch_dma, kalshi
from adapter.venues.coinswitch_dma.methods import AsyncCoinSwitchMethods, CoinSwitchMethods
from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner
from adapter.venues.kalshi.methods import AsyncKalshiMethods, KalshiMethods
from adapter.venues.kalshi.signer import KalshiSigner

__all__ = ["AsyncBalanceClient", "BalanceClient"]

_KALSHI = kalshi.DEFINITION
_COINSWITCH = coinswitch_dma.DEFINITION


def _settings(
    venues: Mapping[Venue, tuple[object, object, object]],
) -> list[AccountSettings]:
    """Accounts of the configured venues, from each venue's (signer, base URL, rate limit)."""
    accounts = []
    for definition in DEFINITIONS:
        signer, base_url, rate_limit = venues[definition.venue]
        kind = definition.signer_type()
        if signer is not None and not isinstance(signer, kind):
            raise ConfigurationError(
                f"{definition.signer_option} must be a {kind.__name__} or None,"
                f" not {type(signer).__name__}"
            )
        config.check_http_url(f"{definition.venue} base URL", base_url)
        check_rate_limit(definition.rate_limit_option, rate_limit)
        if signer is not None:
            accounts.append(
                AccountSettings(
                    venue=definition.venue,
                    signer=signer,
                    base_url=str(base_url),
                    rate_limit=None if rate_limit is None else float(rate_limit),  # type: ignore[arg-type]
                    generated_client=definition.generated_client(),
                )
            )
    return accounts


def _jobs(coinswitch_subaccounts: Iterable[int] | None, kalshi_positions: bool) -> list[Job]:
    """What `all_balances` reads: every configured venue; Kalshi's cash (and with
    `kalshi_positions` what positions are worth); CoinSwitch DMA's children named (an
    error if CoinSwitch DMA is not configured) or its whole master."""
    from adapter.venues.coinswitch_dma import plan as coinswitch_plan
    from adapter.venues.kalshi import plan as kalshi_plan

    return [
        (Venue.KALSHI, kalshi_plan.report(positions=kalshi_positions), False),
        (
            Venue.COINSWITCH_DMA,
            coinswitch_plan.report(coinswitch_subaccounts),
            coinswitch_subaccounts is not None,
        ),
    ]


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


_HOW = {definition.venue: definition.configure_hint() for definition in DEFINITIONS}


class BalanceClient(KalshiMethods, CoinSwitchMethods):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (blocking; thread-safe)."""

    def __init__(
        self,
        kalshi: KalshiSigner | None = None,
        coinswitch: CoinSwitchSigner | None = None,
        *,
        kalshi_base_url: str = _KALSHI.default_base_url,
        coinswitch_base_url: str = _COINSWITCH.default_base_url,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        kalshi_rate_limit: float | None = _KALSHI.default_rate_limit,
        coinswitch_rate_limit: float | None = _COINSWITCH.default_rate_limit,
        max_in_flight: int = 10,
        retry_base_delay: float = 0.25,
        retry_max_delay: float = 8.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        accounts = _settings(
            {
                Venue.KALSHI: (kalshi, kalshi_base_url, kalshi_rate_limit),
                Venue.COINSWITCH_DMA: (coinswitch, coinswitch_base_url, coinswitch_rate_limit),
            }
        )
        super().__init__(
            accounts,
            _HOW,
            timeout=timeout,
            max_retries=max_retries,
            max_in_flight=max_in_flight,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
            transport=transport,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client configured from the environment variables (each venue's own, see
        `adapter.venues`); keyword options override them."""
        return cls(**{**config.client_arguments(_environ(environ)), **options})

    def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | None = None,
        *,
        kalshi_positions: bool = False,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured venue's balances at once; failures are reported, never raised.

        CoinSwitch DMA: the whole master (master first, then every child) unless
        `coinswitch_subaccounts` names children. Kalshi: every subaccount's cash, and with
        `kalshi_positions` what its positions are worth (one more request per subaccount;
        one that fails keeps its cash row, `portfolio_value` None, and adds an error).
        `progress(done, total)` is called as each request finishes (from worker threads).
        """
        return self._report(_jobs(coinswitch_subaccounts, kalshi_positions), progress)


class AsyncBalanceClient(AsyncKalshiMethods, AsyncCoinSwitchMethods):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (asyncio)."""

    def __init__(
        self,
        kalshi: KalshiSigner | None = None,
        coinswitch: CoinSwitchSigner | None = None,
        *,
        kalshi_base_url: str = _KALSHI.default_base_url,
        coinswitch_base_url: str = _COINSWITCH.default_base_url,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        kalshi_rate_limit: float | None = _KALSHI.default_rate_limit,
        coinswitch_rate_limit: float | None = _COINSWITCH.default_rate_limit,
        max_in_flight: int = 10,
        retry_base_delay: float = 0.25,
        retry_max_delay: float = 8.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        accounts = _settings(
            {
                Venue.KALSHI: (kalshi, kalshi_base_url, kalshi_rate_limit),
                Venue.COINSWITCH_DMA: (coinswitch, coinswitch_base_url, coinswitch_rate_limit),
            }
        )
        super().__init__(
            accounts,
            _HOW,
            timeout=timeout,
            max_retries=max_retries,
            max_in_flight=max_in_flight,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
            transport=transport,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client configured from the environment variables (each venue's own, see
        `adapter.venues`); keyword options override them."""
        return cls(**{**config.client_arguments(_environ(environ)), **options})

    async def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | None = None,
        *,
        kalshi_positions: bool = False,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured venue's balances at once; failures are reported, never raised.

        CoinSwitch DMA: the whole master (master first, then every child) unless
        `coinswitch_subaccounts` names children. Kalshi: every subaccount's cash, and with
        `kalshi_positions` what its positions are worth (one more request per subaccount;
        one that fails keeps its cash row, `portfolio_value` None, and adds an error).
        `progress(done, total)` is called as each request finishes.
        """
        return await self._report(_jobs(coinswitch_subaccounts, kalshi_positions), progress)

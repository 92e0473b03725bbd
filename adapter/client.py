"""`BalanceClient` and `AsyncBalanceClient`: the client core plus every venue's methods.

The constructors are spelt out, venue by venue, so that a type checker rejects a
misspelt option; adding a venue adds its keywords here and its methods class to the bases.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Self, TypeAlias

import httpx

from adapter import config
from adapter.domain import BalanceReport, FetchError, Venue
from adapter.engine.account import AccountSettings
from adapter.engine.core import DEFAULT_TIMEOUT, Job, check_rate_limit, names
from adapter.engine.fanout import Progress
from adapter.errors import ConfigurationError, CredentialsError
from adapter.venues import DEFINITIONS, Account, coinswitch_dma, kalshi
from adapter.venues import definition as definition_of
from adapter.venues.coinswitch_dma import CoinSwitchAccount
from adapter.venues.coinswitch_dma.methods import AsyncCoinSwitchMethods, CoinSwitchMethods
from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner
from adapter.venues.kalshi import KalshiAccount
from adapter.venues.kalshi.methods import AsyncKalshiMethods, KalshiMethods
from adapter.venues.kalshi.signer import KalshiSigner

__all__ = ["AsyncBalanceClient", "BalanceClient"]

_KALSHI = kalshi.DEFINITION
_COINSWITCH = coinswitch_dma.DEFINITION


def _venue_accounts(
    venues: Mapping[Venue, tuple[object, object, object]],
) -> list[Account]:
    """The accounts of `kalshi=`/`coinswitch=`, named after their venues, from each venue's
    (signer, base URL, rate limit) options."""
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
                definition.account_type()(  # type: ignore[call-arg]
                    str(definition.venue),
                    signer,
                    base_url=str(base_url),
                    rate_limit=rate_limit,
                )
            )
    return accounts


def _accounts(
    given: Iterable[object] | None,
    kalshi: object,
    coinswitch: object,
    venues: Mapping[Venue, tuple[object, object, object]],
) -> list[Account]:
    """The client's accounts, checked as a set: `accounts=`, or those of `kalshi=` and
    `coinswitch=` (never both)."""
    if given is None:
        return _venue_accounts(venues)
    if kalshi is not None or coinswitch is not None:
        raise ConfigurationError(
            "give accounts=[...] or kalshi=/coinswitch=, not both (with accounts=, a"
            " KalshiAccount or CoinSwitchAccount stands for each signer)"
        )
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise ConfigurationError("accounts must be a list of KalshiAccount/CoinSwitchAccount")
    accounts: list[Account] = []
    for account in given:
        if not isinstance(account, Account):
            raise ConfigurationError(
                "accounts must hold KalshiAccount or CoinSwitchAccount objects,"
                f" not {type(account).__name__}"
            )
        accounts.append(account)
    _check_names(accounts)
    for account in accounts:
        config.check_http_url(f"account {account.name!r}: base_url", account.url)
    return accounts


def _check_names(accounts: list[Account]) -> None:
    """Names unique; a venue's name only for that venue's one account (so that in a
    selector a venue's name always means the venue); no login under two names."""
    seen: dict[str, Account] = {}
    logins: dict[tuple[object, ...], str] = {}
    for account in accounts:
        if account.name in seen:
            raise ConfigurationError(f"two accounts are named {account.name!r}")
        seen[account.name] = account
        login = (account.venue, *definition_of(account.venue).credentials(account))
        if login in logins:
            raise ConfigurationError(
                f"accounts {logins[login]!r} and {account.name!r} use the same credentials"
                f" ({definition_of(account.venue).key_label(account)} at {account.url}): they"
                " would count one account twice"
            )
        logins[login] = account.name
    for venue in Venue:
        named = seen.get(str(venue))
        if named is None:
            continue
        if named.venue != venue:
            raise ConfigurationError(
                f"account {named.name!r} is a {named.venue} account: a venue's name can only"
                " name that venue's account"
            )
        others = [a.name for a in accounts if a.venue == venue and a is not named]
        if others:
            raise ConfigurationError(
                f"account {named.name!r} is named after its venue, which has other accounts"
                f" ({', '.join(others)}): a venue's name may name only its one account"
                " (in selectors it means the whole venue); rename it"
            )


def _settings(accounts: list[Account]) -> list[AccountSettings]:
    return [
        AccountSettings(
            name=account.name,
            venue=account.venue,
            signer=account.signer,
            base_url=account.url,
            rate_limit=None if account.rate_limit is None else float(account.rate_limit),
            generated_client=definition_of(account.venue).generated_client(),
        )
        for account in accounts
    ]


CoinSwitchSubaccounts: TypeAlias = "Iterable[int] | Mapping[str, Iterable[int]] | None"
"""`all_balances(coinswitch_subaccounts=...)`: children of the one CoinSwitch DMA account
read, or per account name; None: each account's own `subaccounts` (default the whole master)."""


def _jobs(
    client: Any,
    chosen: list[Any],
    coinswitch_subaccounts: CoinSwitchSubaccounts,
    kalshi_positions: bool,
) -> tuple[list[Job], list[FetchError]]:
    """What `all_balances` reads: every chosen account; a Kalshi account's cash (and with
    `kalshi_positions` what positions are worth); a CoinSwitch DMA account's children
    (named, or as the account says) or its whole master. Children named while no CoinSwitch
    DMA account is read are an error of the report, as for a venue not configured."""
    from adapter.venues.coinswitch_dma import plan as coinswitch_plan
    from adapter.venues.kalshi import plan as kalshi_plan

    masters = [a for a in chosen if a.venue == Venue.COINSWITCH_DMA]
    children = _children(masters, coinswitch_subaccounts)
    errors = []
    if coinswitch_subaccounts is not None and not masters:
        error = CredentialsError(
            f"{Venue.COINSWITCH_DMA} is not configured: {_HOW[Venue.COINSWITCH_DMA]}",
            venue=Venue.COINSWITCH_DMA,
        )
        errors.append(FetchError(venue=Venue.COINSWITCH_DMA, subaccount=None, error=error))
    jobs: list[Job] = []
    for account in chosen:
        if account.venue == Venue.KALSHI:
            jobs.append((account.name, kalshi_plan.report(account.name, kalshi_positions)))
        else:
            ids = children.get(account.name, client._given[account.name].subaccounts)
            jobs.append((account.name, coinswitch_plan.report(account.name, ids)))
    return jobs, errors


def _children(masters: list[Any], named: CoinSwitchSubaccounts) -> dict[str, Any]:
    """The children named for each CoinSwitch DMA account read."""
    if named is None:
        return {}
    if isinstance(named, Mapping):
        unknown = [name for name in named if name not in {m.name for m in masters}]
        if unknown:
            raise ConfigurationError(
                f"coinswitch_subaccounts names {unknown[0]!r}, which is not a CoinSwitch DMA"
                f" account read here ({names(masters)})"
            )
        return dict(named)
    if len(masters) > 1:
        raise ConfigurationError(
            f"{len(masters)} CoinSwitch DMA accounts are read ({names(masters)}): give"
            " coinswitch_subaccounts as {account name: [ids]}"
        )
    return {master.name: named for master in masters}


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


_HOW = {definition.venue: definition.configure_hint() for definition in DEFINITIONS}


class _Configured:
    """How either client is made from a configuration rather than signers."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client configured from the environment variables (each venue's own, see
        `adapter.venues`); keyword options override them."""
        return cls(**{**config.client_arguments(_environ(environ)), **options})

    @classmethod
    def from_config(
        cls,
        path: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Self:
        """A client of the accounts configured (`adapter.config`): the accounts file at
        `path`, or named by VENUE_BALANCES_CONFIG, or the default one if it exists, else
        one account per venue from the environment variables; keyword options as for the
        constructor."""
        return cls(accounts=config.load(path, _environ(environ)).accounts, **options)  # type: ignore[call-arg]


class BalanceClient(_Configured, KalshiMethods, CoinSwitchMethods):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (blocking; thread-safe)."""

    def __init__(
        self,
        kalshi: KalshiSigner | None = None,
        coinswitch: CoinSwitchSigner | None = None,
        *,
        accounts: Iterable[KalshiAccount | CoinSwitchAccount] | None = None,
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
        chosen = _accounts(
            accounts,
            kalshi,
            coinswitch,
            {
                Venue.KALSHI: (kalshi, kalshi_base_url, kalshi_rate_limit),
                Venue.COINSWITCH_DMA: (coinswitch, coinswitch_base_url, coinswitch_rate_limit),
            },
        )
        super().__init__(
            _settings(chosen),
            _HOW,
            timeout=timeout,
            max_retries=max_retries,
            max_in_flight=max_in_flight,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
            transport=transport,
        )
        self._given = {account.name: account for account in chosen}

    def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | Mapping[str, Iterable[int]] | None = None,
        *,
        kalshi_positions: bool = False,
        accounts: Iterable[str] | None = None,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured account's balances (or those `accounts` names), all read at
        once under one deadline; failures are reported, never raised, and one account's
        never costs another's rows.

        CoinSwitch DMA: the whole master (master first, then every child) unless
        `coinswitch_subaccounts` names children (a list, while one CoinSwitch DMA account
        is read; else {account name: ids}), or the account's own `subaccounts` do. Kalshi:
        every subaccount's cash, and with `kalshi_positions` what its positions are worth
        (one more request per subaccount; one that fails keeps its cash row,
        `portfolio_value` None, and adds an error).
        `progress(done, total)` is called as each request finishes (from worker threads).
        """
        chosen = self._chosen(accounts)
        jobs, errors = _jobs(self, chosen, coinswitch_subaccounts, kalshi_positions)
        return self._report(jobs, errors, progress)


class AsyncBalanceClient(_Configured, AsyncKalshiMethods, AsyncCoinSwitchMethods):
    """Reads subaccount balances from Kalshi and CoinSwitch DMA (asyncio)."""

    def __init__(
        self,
        kalshi: KalshiSigner | None = None,
        coinswitch: CoinSwitchSigner | None = None,
        *,
        accounts: Iterable[KalshiAccount | CoinSwitchAccount] | None = None,
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
        chosen = _accounts(
            accounts,
            kalshi,
            coinswitch,
            {
                Venue.KALSHI: (kalshi, kalshi_base_url, kalshi_rate_limit),
                Venue.COINSWITCH_DMA: (coinswitch, coinswitch_base_url, coinswitch_rate_limit),
            },
        )
        super().__init__(
            _settings(chosen),
            _HOW,
            timeout=timeout,
            max_retries=max_retries,
            max_in_flight=max_in_flight,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
            transport=transport,
        )
        self._given = {account.name: account for account in chosen}

    async def all_balances(
        self,
        coinswitch_subaccounts: Iterable[int] | Mapping[str, Iterable[int]] | None = None,
        *,
        kalshi_positions: bool = False,
        accounts: Iterable[str] | None = None,
        progress: Progress | None = None,
    ) -> BalanceReport:
        """Every configured account's balances (or those `accounts` names), all read at
        once under one deadline; failures are reported, never raised, and one account's
        never costs another's rows.

        CoinSwitch DMA: the whole master (master first, then every child) unless
        `coinswitch_subaccounts` names children (a list, while one CoinSwitch DMA account
        is read; else {account name: ids}), or the account's own `subaccounts` do. Kalshi:
        every subaccount's cash, and with `kalshi_positions` what its positions are worth
        (one more request per subaccount; one that fails keeps its cash row,
        `portfolio_value` None, and adds an error).
        `progress(done, total)` is called as each request finishes.
        """
        chosen = self._chosen(accounts)
        jobs, errors = _jobs(self, chosen, coinswitch_subaccounts, kalshi_positions)
        return await self._report(jobs, errors, progress)

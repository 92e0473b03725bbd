"""The venues, one package each, and the registry that lists them.

Each `adapter/venues/<venue>/` owns everything that knows one venue:

    __init__.py   its definition: names, environment variables, defaults, rate limit, CLI
                  options (kept light: `--help` reads it without importing httpx)
    signer.py     its request signing (`httpx.Auth`)
    endpoints.py  pure builders of the engine's `Call`, one per endpoint
    mapping.py    answer bodies to domain types, every field checked
    plan.py       which calls a public method makes, in which steps
    methods.py    its public client methods (sync and async twins)
    simulator.py  its simulator, mounted by `adapter.sandbox`

Beside them, `simulation.py` says what a venue simulator is (the protocol every
`simulator.py` follows, which `adapter.sandbox` mounts on 127.0.0.1).

Everything outside this package iterates `DEFINITIONS` instead of naming a venue.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from adapter.domain import Subaccount, Venue

if TYPE_CHECKING:
    import httpx

    from adapter.venues.simulation import Simulator

__all__ = ["ACCOUNT_NAME", "DEFINITIONS", "Account", "VenueDefinition", "definition"]

ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
"""An account's name: 1-64 letters, digits, `_`, `.` or `-` (it labels rows, metrics and
history, and is typed in selectors such as `us-desk:3`)."""


class Account:
    """One set of a venue's credentials under a name: the base of each venue's account
    class (`adapter.KalshiAccount`, `adapter.CoinSwitchAccount`), which are frozen attrs
    classes checked when made. The signer's repr shows no key material, so neither does
    an account's."""

    __slots__ = ()
    venue: ClassVar[Venue]
    name: str
    signer: httpx.Auth
    base_url: str | None
    """None: the venue's default."""
    rate_limit: float | None
    """Requests per second for this account; None: no limit."""

    def __attrs_post_init__(self) -> None:
        from adapter.errors import ConfigurationError

        if type(self.name) is not str or not ACCOUNT_NAME.fullmatch(self.name):
            raise ConfigurationError(
                "an account's name is 1-64 characters of A-Z, a-z, 0-9, '_', '.' and '-',"
                f" not {str(self.name)[:70]!r}"
            )
        where: dict[str, Any] = {"account": self.name, "venue": self.venue}
        kind = definition(self.venue).signer_type()
        if not isinstance(self.signer, kind):
            raise ConfigurationError(
                f"account {self.name!r}: the signer must be a {kind.__name__},"
                f" not {type(self.signer).__name__}",
                **where,
            )
        if self.base_url is not None and not isinstance(self.base_url, str):
            raise ConfigurationError(f"account {self.name!r}: base_url must be a string", **where)
        rate = self.rate_limit
        if rate is not None and (
            not isinstance(rate, int | float)
            or isinstance(rate, bool)
            or not rate > 0
            or math.isinf(rate)
        ):
            raise ConfigurationError(
                f"account {self.name!r}: rate_limit must be a positive number of requests"
                f" per second (or None for no limit), not {rate!r}",
                **where,
            )

    @property
    def url(self) -> str:
        """Its base URL: the one given, or the venue's default."""
        return self.base_url or definition(self.venue).default_base_url


Value = Callable[[str], "str | None"]
"""Reads an environment variable: its value, stripped, or None when unset or empty."""


class VenueDefinition:
    """What the rest of the package needs to know about one venue (see a venue's
    `__init__.py` for the values)."""

    venue: Venue
    title: str
    signer_option: str
    """The balance clients' keyword for this venue's signer."""
    base_url_option: str
    rate_limit_option: str
    default_base_url: str
    default_rate_limit: float  # requests per second
    key_variables: tuple[str, ...]
    """Environment variables that configure the venue: it is configured when they are set."""
    base_url_variable: str
    verbatim_variables: tuple[str, ...] = ()
    """Variables taken exactly as given (a password); spaces around others are typos."""
    environment_help: tuple[tuple[str, str], ...]
    """(variables, meaning) lines for the CLI's help."""
    balance_help: str
    """What this venue's `balance` is, in a sentence of the CLI's help."""

    def account_type(self) -> type[Account]:
        """The venue's account class."""
        raise NotImplementedError

    def credentials(self, account: Any) -> tuple[object, ...]:
        """What makes two accounts one login (the same key at the same URL): the client
        refuses two accounts with equal credentials, which would count one twice."""
        raise NotImplementedError

    def key_label(self, account: Any) -> str:
        """The account's key as `config check` shows it: a key id, or the first 8 hex of
        a public key; never a secret."""
        raise NotImplementedError

    def account_from_environment(self, value: Value) -> Account:
        """The account the key variables describe (all of them are set), named after the
        venue; its base URL checked by the caller."""
        return self.account_type()(  # type: ignore[call-arg]
            str(self.venue),
            self.signer_from_environment(value),
            base_url=value(self.base_url_variable),
        )

    table_keys: tuple[str, ...] = ()
    """The keys an accounts file's table of this venue may hold (besides `venue`)."""

    def account_from_table(self, table: Any) -> Account:
        """The account an accounts file's table describes (`config.TableReader`: each key
        read through it, so that a mistake names the file, the account and the key)."""
        raise NotImplementedError

    def other_variables(self) -> tuple[str, ...]:
        """Variables besides the keys that configure the venue (ignored with a file)."""
        return (self.base_url_variable,)

    def configure_hint(self) -> str:
        names = " and ".join(self.key_variables)
        return f"pass {self.signer_option}=..., or set {names}"

    def signer_type(self) -> type[httpx.Auth]:
        raise NotImplementedError

    def signer_from_environment(self, value: Value) -> httpx.Auth:
        """The signer the key variables describe (all of them are set)."""
        raise NotImplementedError

    def generated_client(self) -> Callable[..., Any]:
        """The generated package's `Client` class."""
        raise NotImplementedError

    def simulator(self, options: dict[str, Any]) -> Simulator:
        """A demo simulator with throwaway keys; takes from `options` what it knows."""
        raise NotImplementedError

    def add_fetch_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The venue's own options of the CLI's fetch."""

    def fetch_options(self, args: argparse.Namespace, setup: Any) -> dict[str, Any]:
        """`all_balances` keyword arguments from the CLI's options, for the accounts a
        fetch reads (`setup`: `accounts` read, `configured`, `environ`, `from_environment`);
        raises ValueError for a bad value, or for options naming what cannot be read."""
        return {}

    def warnings(self, environ: Mapping[str, str]) -> list[str]:
        """Things about its configuration a user should hear about (printed by the CLI)."""
        return []

    def list_subaccounts(self, client: Any, account: str) -> list[Subaccount]:
        """One account's subaccounts, read with a `BalanceClient`."""
        raise NotImplementedError

    def seconds_needed(self, options: Mapping[str, Any], accounts: Sequence[Account]) -> float:
        """Time the default rate limit needs for a fetch of these accounts with these
        `all_balances` options, beyond the default deadline (accounts are read at once,
        each at its own rate)."""
        return 0.0


def _load() -> tuple[VenueDefinition, ...]:
    from adapter.venues.coinswitch_dma import DEFINITION as COINSWITCH_DMA
    from adapter.venues.kalshi import DEFINITION as KALSHI

    return (KALSHI, COINSWITCH_DMA)


DEFINITIONS: tuple[VenueDefinition, ...] = _load()
"""Every venue, in the order reports list them."""


def definition(venue: Venue | str) -> VenueDefinition:
    return next(d for d in DEFINITIONS if d.venue == venue)

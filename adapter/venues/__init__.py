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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adapter.domain import Subaccount, Venue

if TYPE_CHECKING:
    import httpx

    from adapter.venues.simulation import Simulator

__all__ = ["DEFINITIONS", "VenueDefinition", "definition"]

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

    def fetch_options(
        self,
        args: argparse.Namespace,
        environ: Mapping[str, str],
        *,
        selected: bool,
        configured: bool,
    ) -> dict[str, Any]:
        """`all_balances` keyword arguments from the CLI's options and the environment
        (`selected`: whether this venue will be read; `configured`: whether its keys are
        set); raises ValueError for a bad value, or for options naming what cannot be read."""
        return {}

    def warnings(self, environ: Mapping[str, str]) -> list[str]:
        """Things about its configuration a user should hear about (printed by the CLI)."""
        return []

    def list_subaccounts(self, client: Any) -> list[Subaccount]:
        """The venue's subaccounts, read with a `BalanceClient`."""
        raise NotImplementedError

    def seconds_needed(self, options: Mapping[str, Any]) -> float:
        """Time the default rate limit needs for a fetch with these `all_balances` options,
        beyond the default deadline."""
        return 0.0


def _load() -> tuple[VenueDefinition, ...]:
    from adapter.venues.coinswitch_dma import DEFINITION as COINSWITCH_DMA
    from adapter.venues.kalshi import DEFINITION as KALSHI

    return (KALSHI, COINSWITCH_DMA)


DEFINITIONS: tuple[VenueDefinition, ...] = _load()
"""Every venue, in the order reports list them."""


def definition(venue: Venue | str) -> VenueDefinition:
    return next(d for d in DEFINITIONS if d.venue == venue)

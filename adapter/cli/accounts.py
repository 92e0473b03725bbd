"""Which accounts a command reads: `--config`, `--account`, `--venue`, and `--sandbox`.

The accounts come from `adapter.config` (an accounts file, else the environment variables);
`--account NAME` (repeatable) keeps those named, `--venue` those of a venue. With
`--sandbox` they are simulated on 127.0.0.1: one sandbox per account of the accounts file
when one is found (nothing of it read but names, venues and children), else both venues
configured through environment variables as a user's shell would hold them, the sandbox
banner shown first. Every mistake is a `UsageError` (exit 2), before anything is fetched.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from adapter.cli.common import UsageError, stderr
from adapter.venues import DEFINITIONS, Account

if TYPE_CHECKING:
    from adapter.config import Configuration

__all__ = [
    "BANNER",
    "Setup",
    "check_floor_names",
    "deadline",
    "fetch_options",
    "master_ids",
    "setup",
]

BANNER = (
    "SIMULATED: these balances come from the built-in sandbox on 127.0.0.1, signed with"
    " throwaway keys; they are not real."
)
SANDBOX_LATENCY = "VENUE_BALANCES_SANDBOX_LATENCY_MS"
"""Milliseconds the sandbox adds to every answer (for demos of slow venues)."""


@attrs.frozen
class Setup:
    """What a command reads, and where from."""

    accounts: list[Account]
    """The accounts to read (those `--account` and `--venue` keep), in the configured order."""
    configured: list[Account]
    """Every configured account."""
    configuration: Configuration
    environ: Mapping[str, str]
    """The environment the accounts came from (the sandbox's own with `--sandbox`)."""
    sandbox: Any = None
    """The sandbox (`drift(step)`, `latency`), with `--sandbox`."""

    @property
    def from_environment(self) -> bool:
        """Whether the accounts came from the venues' environment variables."""
        return self.configuration.path is None


@contextlib.contextmanager
def setup(
    args: argparse.Namespace, *, banner_on_stdout: bool, banner: bool = True
) -> Iterator[Setup]:
    """The accounts the command's options ask for (module docstring); with `--sandbox`,
    its banner printed first (on stdout before a table, else on stderr; not at all
    without `banner`)."""
    from adapter import config
    from adapter.errors import ConfigurationError, CredentialsError

    try:
        if not args.sandbox:
            configuration = config.load(args.config, os.environ)
            yield _chosen(args, configuration, os.environ)
            return
        found = config.find(args.config, os.environ)
        shown = "stdout" if banner_on_stdout else "stderr" if banner else None
        with _simulated(found, shown) as (configuration, environ, sandbox):
            yield _chosen(args, configuration, environ, sandbox)
    except (ConfigurationError, CredentialsError) as exc:
        raise UsageError(exc.message) from None


@contextlib.contextmanager
def _simulated(
    found: tuple[Path, str] | None, banner: str | None
) -> Iterator[tuple[Configuration, Mapping[str, str], Any]]:
    """(configuration, environment, sandbox) of `--sandbox`: the accounts file's accounts
    each simulated, or both venues from environment variables as a shell would hold them."""
    import tempfile

    from adapter import config
    from adapter.sandbox import Named, Sandbox, SimulatedAccounts

    try:
        if found is None:
            sandbox: Any = Sandbox.demo()
        else:
            path, how = found
            named = [
                Named(name, venue, None if ids is None else tuple(ids))
                for name, venue, ids in config.sketch(path)
            ]
            sandbox = SimulatedAccounts(named)
    except ValueError as exc:  # a sandbox option from the environment
        raise UsageError(str(exc)) from None
    with sandbox, tempfile.TemporaryDirectory() as directory:
        sandbox.latency = _sandbox_latency()
        if banner == "stdout":
            print(BANNER, end="\n\n", flush=True)
        elif banner == "stderr":
            stderr(BANNER)
        if found is None:
            environ = sandbox.environment(Path(directory))
            # The user's choice of children applies to the simulated master too.
            children = os.environ.get(_SUBACCOUNTS_VARIABLE, "")
            if children.strip():
                environ[_SUBACCOUNTS_VARIABLE] = children
            yield config.load(None, environ), environ, sandbox
        else:
            configuration = config.Configuration(
                accounts=tuple(sandbox.accounts),
                source=f"{how}, each account simulated",
                path=path,
            )
            yield configuration, {}, sandbox


_SUBACCOUNTS_VARIABLE = "COINSWITCH_DMA_SUBACCOUNTS"


def _sandbox_latency() -> float:  # seconds
    text = os.environ.get(SANDBOX_LATENCY, "").strip()
    if not text:
        return 0.0
    if not (text.isascii() and text.isdigit()) or int(text) > 60_000:
        raise UsageError(f"{SANDBOX_LATENCY} must be a whole number of milliseconds")
    return int(text) / 1000


def _chosen(
    args: argparse.Namespace,
    configuration: Configuration,
    environ: Mapping[str, str],
    sandbox: Any = None,
) -> Setup:
    """The configured accounts, those `--account` and `--venue` keep, warnings said."""
    for warning in configuration.warnings:
        stderr(f"warning: {warning}")
    configured = list(configuration.accounts)
    if not configured:
        names = "; or ".join(" and ".join(d.key_variables) for d in DEFINITIONS)
        raise UsageError(
            f"no venue is configured. Set {names}; or write an accounts file (--config"
            " FILE; see examples/accounts.toml); or try `venue-balances --sandbox` to see"
            " it work without credentials."
        )
    known = [account.name for account in configured]
    asked = getattr(args, "account", None) or []
    for name in asked:
        if name not in known:
            raise UsageError(
                f"--account {name[:64]!r}: no such account; the configured accounts are"
                f" {', '.join(known)} (from {configuration.source})"
            )
    accounts = [a for a in configured if not asked or a.name in asked]
    venues = getattr(args, "venue", None) or []
    for venue in venues:
        if not any(a.venue == venue for a in configured):
            definition = next(d for d in DEFINITIONS if d.venue == venue)
            how = " and ".join(definition.key_variables)
            if configuration.path is not None:
                how = f'an account with venue = "{venue}" in {configuration.path}'
            raise UsageError(f"--venue {venue} is not configured: set {how}")
    if venues:
        accounts = [a for a in accounts if a.venue in venues]
        if not accounts:
            raise UsageError(
                f"--account and --venue leave no account to read (none of {', '.join(asked)}"
                f" is a {' or '.join(venues)} account)"
            )
    return Setup(
        accounts=accounts,
        configured=configured,
        configuration=configuration,
        environ=environ,
        sandbox=sandbox,
    )


def fetch_options(args: argparse.Namespace, chosen: Setup) -> dict[str, Any]:
    """`all_balances` keyword arguments from the options, each venue saying its own."""
    options: dict[str, Any] = {}
    for definition in DEFINITIONS:
        try:
            options |= definition.fetch_options(args, chosen)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return options


def deadline(
    given: float | None, options: Mapping[str, Any], accounts: Sequence[Account]
) -> float:  # seconds
    """--timeout, or by default the client's 10 s plus what the default rate limits need
    for the fetch asked for (200 requests at 10 requests/s take 20 s)."""
    from adapter.engine.core import DEFAULT_TIMEOUT

    if given is not None:
        return given
    return DEFAULT_TIMEOUT + max(d.seconds_needed(options, accounts) for d in DEFINITIONS)


def check_floor_names(minimums: Sequence[Any], chosen: Setup) -> None:
    """Every floor names an account or a venue that is configured: a floor that could
    never select anything is a mistake, said before anything is fetched."""
    accounts = {a.name for a in chosen.configured}
    venues = {str(a.venue) for a in chosen.configured}
    for floor in minimums:
        if floor.venue is not None and str(floor.venue) not in venues:
            raise UsageError(
                f"floor {floor.selector}: no {floor.venue} account is configured"
                f" (the accounts are {', '.join(sorted(accounts))})"
            )
        if floor.venue is None and floor.name not in accounts:
            raise UsageError(
                f"floor {floor.selector}: {floor.name!r} is neither a venue nor a configured"
                f" account (the accounts are {', '.join(a.name for a in chosen.configured)})"
            )


def master_ids(client: Any, minimums: Sequence[Any], report: Any) -> dict[str, int]:
    """The numeric ids of the masters a floor may name by id (`NAME:1000`, as
    `subaccounts` prints it; a balance names its master `master`): asked of the venue only
    for a floor whose id no fetched balance has, once per account it covers."""
    from adapter.errors import AdapterError

    wanted = [
        floor
        for floor in minimums
        if floor.scope == "one"
        and floor.subaccount is not None
        and not any(floor.selects(b) for b in report.balances)
    ]
    masters: dict[str, int] = {}
    for balance in report.balances:
        if balance.subaccount is not None or balance.account in masters:
            continue
        if not any(floor.covers(balance) for floor in wanted):
            continue
        lister = next(d for d in DEFINITIONS if d.venue == balance.venue)
        try:
            rows = lister.list_subaccounts(client, balance.account)
        except AdapterError:
            continue  # the floor stays unchecked, and is warned about
        primary = next((row.subaccount for row in rows if row.primary), None)
        if primary is not None:
            masters[balance.account] = primary
    return masters

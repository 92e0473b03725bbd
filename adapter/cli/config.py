"""`venue-balances config check`: where the accounts come from, each account, and every
key file and variable read to load them; exit 0, or 2 with the first mistake.

Shown of each account: name, venue, URL and its key as the venue names it (a key id, or the
first 8 hex of a public key); never a secret. Everything a fetch would check is checked:
every key loads, the accounts make a valid set (names unique, no login twice).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from adapter.cli.common import UsageError, run_command, stderr

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances config",
        description="Check the accounts configuration: the accounts file (or the"
        " environment variables), every key in it, and the accounts it makes.",
    )
    commands = p.add_subparsers(dest="command", required=True, metavar="check")
    check = commands.add_parser("check", help="say where the accounts come from and list them")
    check.add_argument(
        "--config",
        metavar="FILE",
        help="the accounts file (default: $VENUE_BALANCES_CONFIG, else accounts.toml in the"
        " user configuration directory if it exists, else the environment variables)",
    )
    check.add_argument("--debug", action="count", default=0, help="show tracebacks")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def command() -> tuple[str, int]:
        from adapter import config
        from adapter.client import BalanceClient
        from adapter.errors import ConfigurationError, CredentialsError
        from adapter.render import grid
        from adapter.venues import definition

        try:
            configuration = config.load(args.config, os.environ)
            if configuration.accounts:  # checked as a client checks them, nothing sent
                BalanceClient(accounts=configuration.accounts).close()  # type: ignore[arg-type]
        except (ConfigurationError, CredentialsError) as exc:
            raise UsageError(exc.message) from None
        for warning in configuration.warnings:
            stderr(f"warning: {warning}")
        lines = [f"accounts from {configuration.source}"]
        if not configuration.accounts:
            raise UsageError(
                f"no account is configured ({configuration.source}): write an accounts file"
                " (see examples/accounts.toml) or set a venue's variables"
            )
        rows = [
            [a.name, str(a.venue), a.url, definition(a.venue).key_label(a)]
            for a in configuration.accounts
        ]
        lines += ["", *grid(["ACCOUNT", "VENUE", "URL", "KEY"], rows, set())]
        if configuration.tried:
            lines += ["", "read:", *(f"  {item}" for item in configuration.tried)]
        count = len(configuration.accounts)
        lines += ["", f"ok: {count} account{'s' if count != 1 else ''}"]
        return "\n".join(lines) + "\n", 0

    return run_command(args, command)

"""The `venue-balances` command.

    venue-balances [options]                 fetch: every configured account's balances (fetch.py)
    venue-balances subaccounts [options]     each account's subaccounts (subaccounts.py)
    venue-balances serve [options]           a Prometheus exporter (serve.py)
    venue-balances history [options]         what --record and serve recorded (history.py)
    venue-balances config check [--config F] where the accounts come from, each one (config.py)

Exit status: 0 everything requested was done; 1 some of it could not be fetched (the rest
is still printed, each failure one line on stderr); 2 usage or configuration error; 3 a
`--min` floor is broken (wins over 1); 130 interrupted (Ctrl-C; `serve` stops with 0).
Output into a closed pipe (`| head`) ends quietly with the status the command had.
Credentials come from an accounts file or the environment, never from arguments.

Each command imports heavy modules only after its arguments are parsed, so `--help`
stays fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from adapter.cli.accounts import deadline
from adapter.cli.fetch import progress_line

__all__ = ["COMMANDS", "deadline", "main", "progress_line"]

COMMANDS = {
    "subaccounts": "adapter.cli.subaccounts",
    "serve": "adapter.cli.serve",
    "history": "adapter.cli.history",
    "config": "adapter.cli.config",
}
"""Commands other than fetch, the default, by the word that names them."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in COMMANDS:
        command = importlib.import_module(COMMANDS[arguments[0]])
        status: int = command.main(arguments[1:])
        return status
    from adapter.cli import fetch

    return fetch.main(arguments)

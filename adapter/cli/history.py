"""`venue-balances history`: the balances `--record` and `serve` recorded.

`table` (each series' first, last and change over `--since`), `json`, `csv` (one row per
recorded balance) and `chart` (each series over time, drawn in the terminal's width).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime

from adapter.cli.common import UsageError, run_command
from adapter.venues import DEFINITIONS

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances history",
        description="The balances that fetch --record and serve recorded.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--db", metavar="DB", help="the history file (default: the user data directory)"
    )
    where.add_argument(
        "--sandbox",
        action="store_true",
        help="what serve --sandbox and fetch --sandbox --record recorded (a file of its own)",
    )
    p.add_argument(
        "--since",
        default="7d",
        metavar="DURATION",
        help="how far back: 90s, 30m, 24h, 7d, 2w (default 7d)",
    )
    p.add_argument("--venue", action="append", choices=[str(d.venue) for d in DEFINITIONS])
    p.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="only this account (repeatable; rows recorded before accounts are their venue's)",
    )
    p.add_argument(
        "--subaccount",
        action="append",
        metavar="ID",
        help="only this subaccount (repeatable; `master` for a master account's own row)",
    )
    p.add_argument("--format", choices=("table", "json", "csv", "chart"), default="table")
    p.add_argument("--debug", action="count", default=0, help="show tracebacks")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def command() -> tuple[str, int]:
        from adapter.domain import Venue, parse_subaccount
        from adapter.unattended import (
            History,
            HistoryError,
            default_path,
            parse_duration,
            render_history,
        )

        try:
            since = datetime.now(UTC) - parse_duration(args.since)
            subaccounts = None
            if args.subaccount:
                subaccounts = [parse_subaccount(text) for text in args.subaccount]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        venues = [Venue(name) for name in args.venue] if args.venue else None
        try:
            path = args.db or default_path(simulated=args.sandbox)
            history = History(path, create=False)
            snapshots = history.snapshots(
                since=since, venues=venues, subaccounts=subaccounts, accounts=args.account
            )
        except HistoryError as exc:
            raise UsageError(str(exc)) from None
        width = shutil.get_terminal_size((80, 24)).columns
        return render_history(snapshots, args.format, since=since, width=width), 0

    return run_command(args, command)

"""`venue-balances subaccounts`: each configured account's subaccounts.

Each venue says how (`VenueDefinition.list_subaccounts`): from a list endpoint, or from
the numbers a bulk balance call returns.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from adapter.cli.accounts import Setup, setup
from adapter.cli.common import add_common_arguments, run_command, stderr
from adapter.venues import DEFINITIONS

if TYPE_CHECKING:
    from adapter.domain import FetchError, Subaccount

__all__ = ["main", "parser"]

HEADER = ["venue", "subaccount", "primary", "active", "account"]
"""Columns of the CSV (and keys of the JSON objects); `account` last, so that columns read
by position keep their place."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances subaccounts",
        description="Each configured venue's subaccounts (a master account's own"
        " row, with its numeric id, is the primary one).",
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    add_common_arguments(p, timeout_help="deadline for each venue's listing (default: 10)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def command() -> tuple[str, int]:
        from adapter import render

        with setup(args, banner_on_stdout=args.format == "table") as chosen:
            rows, errors = listing(args, chosen)
        for error in errors:
            stderr(render.failure_line(error))
        cells = [[str(r.venue), r.subaccount, r.primary, r.active, r.account] for r in rows]
        if args.format == "json":
            document = {
                "simulated": args.sandbox,
                "subaccounts": [dict(zip(HEADER, row, strict=True)) for row in cells],
                "errors": [render.error_json(error) for error in errors],
            }
            output = json.dumps(document, indent=2) + "\n"
        elif args.format == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerows([HEADER, *([render.csv_cell(v) for v in row] for row in cells)])
            output = out.getvalue()
        else:
            named = any(r.account != r.venue for r in rows) or any(
                e.account != e.venue for e in errors
            )
            # The table leads with ACCOUNT once one is not named after its venue.
            order = [4, 0, 1, 2, 3] if named else [0, 1, 2, 3]
            shown = [[render.table_text(row[i]) for i in order] for row in cells]
            header = [HEADER[i].upper() for i in order]
            output = "\n".join(render.grid(header, shown, set())) + "\n"
        return output, 1 if errors else 0

    return run_command(args, command)


def listing(args: argparse.Namespace, chosen: Setup) -> tuple[list[Subaccount], list[FetchError]]:
    """(Subaccounts, FetchErrors) of the accounts asked for, one account after another."""
    from adapter.client import BalanceClient
    from adapter.domain import FetchError
    from adapter.errors import AdapterError

    rows: list[Subaccount] = []
    errors: list[FetchError] = []
    accounts = chosen.accounts
    with BalanceClient(accounts=accounts, timeout=args.timeout or 10.0) as client:  # type: ignore[arg-type]
        for account in accounts:
            lister = next(d for d in DEFINITIONS if d.venue == account.venue)
            try:
                rows += lister.list_subaccounts(client, account.name)
            except AdapterError as error:
                errors.append(
                    FetchError(
                        venue=account.venue, account=account.name, subaccount=None, error=error
                    )
                )
    return rows, errors

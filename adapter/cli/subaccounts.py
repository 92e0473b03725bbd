"""`venue-balances subaccounts`: each configured venue's subaccounts.

Each venue says how (`VenueDefinition.list_subaccounts`): from a list endpoint, or from
the numbers a bulk balance call returns.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from adapter.cli.common import (
    add_common_arguments,
    environment,
    run_command,
    selected_venues,
    stderr,
)

if TYPE_CHECKING:
    from adapter.domain import FetchError, Subaccount

__all__ = ["main", "parser"]

HEADER = ["venue", "subaccount", "primary", "active"]


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

        with environment(args, banner_on_stdout=args.format == "table") as (environ, _):
            rows, errors = listing(args, environ)
        for error in errors:
            stderr(render.failure_line(error))
        cells = [[str(r.venue), r.subaccount, r.primary, r.active] for r in rows]
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
            shown = [[render.table_text(v) for v in row] for row in cells]
            output = "\n".join(render.grid([h.upper() for h in HEADER], shown, set())) + "\n"
        return output, 1 if errors else 0

    return run_command(args, command)


def listing(
    args: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[list[Subaccount], list[FetchError]]:
    """(Subaccounts, FetchErrors) of the venues asked for."""
    from adapter.client import BalanceClient
    from adapter.config import client_arguments
    from adapter.errors import AdapterError

    arguments = client_arguments(environ)
    _, selected = selected_venues(args, arguments)
    from adapter.domain import FetchError

    rows: list[Subaccount] = []
    errors: list[FetchError] = []
    with BalanceClient(**arguments, timeout=args.timeout or 10.0) as client:
        for definition in selected:
            try:
                rows += definition.list_subaccounts(client)
            except AdapterError as error:
                errors.append(FetchError(venue=definition.venue, subaccount=None, error=error))
    return rows, errors

"""`venue-balances` (fetch, the default command): every configured venue's balances.

What each venue reads (every subaccount, or those named) and the options it adds come
from its definition (`adapter.venues`). Then floors
(`--min`, exit 3 when one is broken), history (`--record`) and the output, on stdout or
atomically into `--output FILE` (`--format prometheus` there suits node_exporter's
textfile collector).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from adapter.cli.accounts import (
    Setup,
    check_floor_names,
    deadline,
    fetch_options,
    master_ids,
    setup,
)
from adapter.cli.common import (
    UsageError,
    add_common_arguments,
    add_floor_arguments,
    floors,
    recorder,
    run_command,
    stderr,
)
from adapter.venues import DEFINITIONS

__all__ = ["failure_lines", "main", "parser", "progress_line"]

PROGRESS_FROM = 8
"""Fewer requests than this finish too quickly to need a progress line."""
FORMATS = ("table", "json", "csv", "prometheus")


def epilog() -> str:
    lines = ["other commands (venue-balances COMMAND --help):"]
    lines += [
        "  subaccounts    each venue's subaccounts",
        "  serve          a Prometheus exporter polling in the background",
        "  history        the balances --record and serve recorded",
        "",
        "environment:",
    ]
    for definition in DEFINITIONS:
        lines += [f"  {names:44}  {meaning}" for names, meaning in definition.environment_help]
    lines += [
        "",
        "exit status: 0 all fetched, 1 some could not be fetched, 2 usage or configuration"
        " error, 3 a --min floor is broken, 130 interrupted",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances",
        description="\n".join(
            textwrap.wrap(
                "Subaccount balances from "
                + " and ".join(d.title for d in DEFINITIONS)
                + ", exact to the last digit. "
                + " ".join(d.balance_help for d in DEFINITIONS),
                88,
            )
        ),
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    add_common_arguments(
        p,
        timeout_help="deadline for the whole fetch, retries included (default: 10, plus the"
        " time the default rate limits need for the subaccounts asked for)",
    )
    for definition in DEFINITIONS:
        definition.add_fetch_arguments(p)
    add_floor_arguments(p)
    p.add_argument(
        "--output",
        metavar="FILE",
        help="write the output into FILE atomically (a temporary file, then a rename)"
        " instead of stdout",
    )
    p.add_argument(
        "--record",
        nargs="?",
        const="",
        metavar="DB",
        help="append this fetch to the history in DB (default: the user data directory)",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    return p


class _Version(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata is a
    tenth of the time --help takes)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("venue-balances")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def command() -> tuple[str, int]:
        from adapter import render

        minimums = floors(args)
        if args.output:
            writable(args.output)
        record = None if args.record is None else recorder(args.record, simulated=args.sandbox)
        on_stdout = args.format == "table" and not args.output
        with setup(args, banner_on_stdout=on_stdout) as chosen:
            check_floor_names(minimums, chosen)
            started = time.monotonic()
            report, masters = fetch(args, chosen, minimums)
            duration = time.monotonic() - started
        if args.format == "prometheus":
            from adapter.unattended import exposition

            output = exposition(
                report,
                accounts=[(a.name, a.venue) for a in chosen.accounts],
                floors=minimums,
                duration=duration,
                simulated=args.sandbox,
                masters=masters,
            )
        else:
            output = render.FORMATS[args.format](report, simulated=args.sandbox)
        for line in failure_lines(report.errors):
            stderr(line)
        status = 1 if report.errors else 0
        if minimums:
            status = check(minimums, report, masters) or status
        if args.output:
            from adapter.unattended import write_textfile

            write_textfile(os.path.expanduser(args.output), output)
            output = ""
        if record is not None and not recorded(record, report):
            status = status or 1
        return output, status

    return run_command(args, command)


def writable(path: str) -> None:
    """--output FILE names a file that can be written: checked before fetching."""
    target = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(target):
        raise UsageError(f"--output {path} is a directory; name a file in it")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--output {path}: no writable directory {folder}")


def recorded(record: Callable[[Any], object], report: Any) -> bool:
    """Append the report to the history; a failure is a stderr line, and the balances are
    still printed."""
    from adapter.unattended import HistoryError

    try:
        record(report)
    except HistoryError as exc:
        stderr(f"venue-balances: this fetch was not recorded: {exc}")
        return False
    return True


MAX_FAILURE_LINES = 20
"""Failure lines per account on stderr; the rest are counted in one line, by kind."""


def failure_lines(failures: Sequence[Any]) -> list[str]:
    """A line per failure, at most `MAX_FAILURE_LINES` per account, then one line per
    account counting the rest by kind: a master of 10^5 children that failed stays readable."""
    from collections import Counter

    from adapter import render

    lines: list[str] = []
    shown: Counter[str] = Counter()
    rest: dict[str, Counter[str]] = {}
    for failure in failures:
        shown[failure.account] += 1
        if shown[failure.account] <= MAX_FAILURE_LINES:
            lines.append(render.failure_line(failure))
        else:
            rest.setdefault(failure.account, Counter())[failure.error.kind] += 1
    for account, kinds in rest.items():
        counted = ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common())
        lines.append(f"error: {account}: {sum(kinds.values()):,} more failures ({counted})")
    return lines


def check(minimums: list[Any], report: Any, masters: Mapping[str, int]) -> int:
    """Floors against a report: a stderr line per broken floor; 3 if any, else 0."""
    from adapter.unattended import breach_line, check_floors

    result = check_floors(minimums, report, masters=masters)
    for floor in result.unchecked:
        stderr(f"warning: floor {floor.selector} selects no fetched balance")
    for breach in result.breaches:
        stderr(breach_line(breach))
    return 3 if result.breaches else 0


def fetch(
    args: argparse.Namespace, chosen: Setup, minimums: Sequence[Any]
) -> tuple[Any, dict[str, int]]:
    """The BalanceReport the options ask for, and the masters' numeric ids the floors need."""
    from adapter.client import BalanceClient

    options = fetch_options(args, chosen)
    progress = progress_line(sys.stderr)
    timeout = deadline(args.timeout, options, chosen.accounts)
    with BalanceClient(accounts=chosen.accounts, timeout=timeout) as client:  # type: ignore[arg-type]
        try:
            report = client.all_balances(**options, progress=progress)
        finally:
            if progress is not None:
                progress(-1, 0)
        return report, master_ids(client, minimums, report)


def progress_line(stream: TextIO) -> Callable[[int, int], None] | None:
    """A progress line on `stream` while many requests are fetched at a terminal;
    `(-1, 0)` erases it."""
    if not stream.isatty():
        return None
    lock = threading.Lock()
    shown = False

    def show(done: int, of: int) -> None:
        nonlocal shown
        with lock:
            if done < 0:
                if shown:
                    stream.write("\r\033[K")
            elif of >= PROGRESS_FROM:
                stream.write(f"\rfetching balances: {done}/{of}")
                shown = True
            else:
                return
            stream.flush()

    return show

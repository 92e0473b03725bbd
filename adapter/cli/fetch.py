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

from adapter.cli.common import (
    UsageError,
    add_common_arguments,
    add_floor_arguments,
    environment,
    floors,
    recorder,
    run_command,
    selected_venues,
    stderr,
)
from adapter.venues import DEFINITIONS

__all__ = ["deadline", "main", "parser", "progress_line"]

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
        with environment(args, banner_on_stdout=on_stdout) as (environ, _):
            started = time.monotonic()
            report, selected = fetch(args, environ)
            duration = time.monotonic() - started
        if args.format == "prometheus":
            from adapter.unattended import exposition

            venues = [d.venue for d in selected]
            output = exposition(
                report, venues=venues, floors=minimums, duration=duration, simulated=args.sandbox
            )
        else:
            output = render.FORMATS[args.format](report, simulated=args.sandbox)
        for failure in report.errors:
            stderr(render.failure_line(failure))
        status = 1 if report.errors else 0
        if minimums:
            status = check(minimums, report) or status
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


def check(minimums: list[Any], report: Any) -> int:
    """Floors against a report: a stderr line per broken floor; 3 if any, else 0."""
    from adapter.unattended import breach_line, check_floors

    result = check_floors(minimums, report)
    for floor in result.unchecked:
        stderr(f"warning: floor {floor.selector} selects no fetched balance")
    for breach in result.breaches:
        stderr(breach_line(breach))
    return 3 if result.breaches else 0


def fetch(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[Any, list[Any]]:
    """The BalanceReport the options ask for, and the venues it was asked of."""
    from adapter.client import BalanceClient

    arguments, options, selected = client_setup(args, environ)
    progress = progress_line(sys.stderr)
    with BalanceClient(**arguments, timeout=deadline(args.timeout, options)) as client:
        try:
            return client.all_balances(**options, progress=progress), selected
        finally:
            if progress is not None:
                progress(-1, 0)


def client_setup(
    args: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """(client arguments, all_balances options, the venues asked for) from the options and
    the environment; warnings about the configuration on stderr."""
    from adapter.config import client_arguments

    arguments = client_arguments(environ)
    configured, selected = selected_venues(args, arguments)
    options: dict[str, Any] = {}
    for definition in DEFINITIONS:
        chosen = definition in selected
        try:
            options |= definition.fetch_options(
                args, environ, selected=chosen, configured=definition in configured
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for warning in definition.warnings(environ) if chosen else []:
            stderr(f"warning: {warning}")
    return arguments, options, selected


def deadline(given: float | None, options: Mapping[str, Any]) -> float:  # seconds
    """--timeout, or by default the client's 10 s plus what the default rate limits need
    for the fetch asked for (200 requests at 10 requests/s take 20 s)."""
    from adapter.engine.core import DEFAULT_TIMEOUT

    if given is not None:
        return given
    return DEFAULT_TIMEOUT + sum(d.seconds_needed(options) for d in DEFINITIONS)


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

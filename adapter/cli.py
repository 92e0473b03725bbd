"""The `venue-balances` command: every configured venue's subaccount balances, one call.

Exit status: 0 everything requested was fetched; 1 some balances could not be fetched
(the rest is still printed, each failure is one line on stderr); 2 usage or configuration
error; 130 interrupted (Ctrl-C). Output into a closed pipe (`| head`) ends quietly with
the status the fetch had. Credentials come from the environment only, never from
arguments. `--sandbox` runs the same path against `adapter.sandbox`, configured through
environment variables as a user's would be.

Heavy modules are imported after the arguments are parsed, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from adapter.venues import DEFINITIONS

if TYPE_CHECKING:
    from adapter.domain import BalanceReport

__all__ = ["deadline", "main", "progress_line"]

BANNER = (
    "SIMULATED: these balances come from the built-in sandbox on 127.0.0.1, signed with"
    " throwaway keys; they are not real."
)
PROGRESS_FROM = 8
"""Fewer requests than this finish too quickly to need a progress line."""


class UsageError(Exception):
    """A problem with the arguments or the environment: exit status 2."""


def epilog() -> str:
    lines = ["environment:"]
    for definition in DEFINITIONS:
        lines += [f"  {names:44}  {meaning}" for names, meaning in definition.environment_help]
    lines += [
        "",
        "exit status: 0 all fetched, 1 some could not be fetched, 2 usage or configuration"
        " error, 130 interrupted",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances",
        description="Subaccount balances from "
        + " and ".join(d.title for d in DEFINITIONS)
        + ", exact to the last digit.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a built-in simulator of every venue (no credentials; numbers are fake)",
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument(
        "--venue",
        action="append",
        choices=[str(d.venue) for d in DEFINITIONS],
        help="fetch only this venue (repeatable); default: every configured venue",
    )
    for definition in DEFINITIONS:
        definition.add_fetch_arguments(p)
    p.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="deadline for the whole fetch, retries included (default: 10, plus the time"
        " the default rate limits need for the subaccounts asked for)",
    )
    p.add_argument(
        "--debug",
        action="count",
        default=0,
        help="log each request to stderr (never its headers) and show tracebacks;"
        " twice: the HTTP transport's own logs too",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    return p


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("venue-balances")
    except PackageNotFoundError:
        return "unknown (not installed)"


def seconds(text: str) -> float:
    try:
        value = float(text)  # seconds, not money
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"not a number of seconds between 0 and 86400: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug > 1 else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.debug:
        logging.getLogger("adapter").setLevel(logging.DEBUG)
    status = 0
    try:
        report = run(args)
        output = render(report, args.format)
        status = 1 if report.errors else 0
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): nothing more to say, and nothing to say it
        # to. Point stdout at devnull so the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return status
    except UsageError as exc:
        print(f"venue-balances: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"venue-balances: unexpected {type(exc).__name__}: {exc}"
            " (run with --debug for a traceback)",
            file=sys.stderr,
        )
        return 1
    from adapter.render import failure_line

    for failure in report.errors:
        print(failure_line(failure), file=sys.stderr)
    return status


def run(args: argparse.Namespace) -> BalanceReport:
    from adapter.errors import ConfigurationError, CredentialsError

    try:
        if not args.sandbox:
            return fetch(args, os.environ)
        from adapter.sandbox import Sandbox

        with Sandbox.demo() as sandbox, tempfile.TemporaryDirectory() as directory:
            if args.format == "table":
                print(BANNER, end="\n\n")
            else:
                print(BANNER, file=sys.stderr)
            return fetch(args, sandbox.environment(Path(directory)))
    except (ConfigurationError, CredentialsError) as exc:
        raise UsageError(exc.message) from None


def fetch(args: argparse.Namespace, environ: Mapping[str, str]) -> BalanceReport:
    from adapter.config import client_arguments
    from adapter.venues.clients import BalanceClient

    arguments = client_arguments(environ)
    configured = [d for d in DEFINITIONS if arguments[d.signer_option] is not None]
    if not configured:
        names = "; or ".join(" and ".join(d.key_variables) for d in DEFINITIONS)
        raise UsageError(
            f"no venue is configured. Set {names};"
            " or try `venue-balances --sandbox` to see it work without credentials."
        )
    selected = [d for d in DEFINITIONS if str(d.venue) in (args.venue or [])] or configured
    options: dict[str, Any] = {}
    for definition in DEFINITIONS:
        chosen = definition in selected
        if chosen and definition not in configured:
            names = " and ".join(definition.key_variables)
            raise UsageError(f"--venue {definition.venue} is not configured: set {names}")
        try:
            options |= definition.fetch_options(
                args, environ, selected=chosen, configured=definition in configured
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if not chosen:
            arguments[definition.signer_option] = None
        for warning in definition.warnings(environ) if chosen else []:
            print(f"warning: {warning}", file=sys.stderr)
    client = BalanceClient(**arguments, timeout=deadline(args.timeout, options))
    progress = progress_line(sys.stderr)
    with client:
        try:
            report: BalanceReport = client.all_balances(**options, progress=progress)
        finally:
            if progress is not None:
                progress(-1, 0)
    return report


def deadline(given: float | None, options: Mapping[str, Any]) -> float:  # seconds
    """--timeout, or by default the client's 10 s plus what the default rate limits need
    for the fetch asked for (200 requests at 10 requests/s take 20 s)."""
    from adapter.client import DEFAULT_TIMEOUT

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


def render(report: BalanceReport, output: str) -> str:
    from adapter import render as formats

    return {"json": formats.as_json, "csv": formats.as_csv, "table": formats.as_table}[output](
        report
    )

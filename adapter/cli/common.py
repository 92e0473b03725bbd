"""What every command of `venue-balances` shares: options, environment, exit statuses,
output that survives a closed pipe, and the sandbox."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapter.venues import DEFINITIONS, VenueDefinition

if TYPE_CHECKING:
    import logging

    from adapter.domain import BalanceReport
    from adapter.sandbox import Sandbox

__all__ = [
    "BANNER",
    "UsageError",
    "add_common_arguments",
    "add_floor_arguments",
    "environment",
    "floors",
    "recorder",
    "run_command",
    "seconds",
    "selected_venues",
    "stderr",
]

BANNER = (
    "SIMULATED: these balances come from the built-in sandbox on 127.0.0.1, signed with"
    " throwaway keys; they are not real."
)
SANDBOX_LATENCY = "VENUE_BALANCES_SANDBOX_LATENCY_MS"
"""Milliseconds the sandbox adds to every answer (for demos of slow venues)."""


class UsageError(Exception):
    """A problem with the arguments or the environment: exit status 2."""


def seconds(text: str) -> float:
    try:
        value = float(text)  # seconds, not money
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"not a number of seconds between 0 and 86400: {text!r}")
    return value


def add_common_arguments(parser: argparse.ArgumentParser, *, timeout_help: str) -> None:
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a built-in simulator of every venue (no credentials; numbers are fake)",
    )
    parser.add_argument(
        "--venue",
        action="append",
        choices=[str(d.venue) for d in DEFINITIONS],
        help="only this venue (repeatable); default: every configured venue",
    )
    parser.add_argument("--timeout", type=seconds, metavar="SECONDS", help=timeout_help)
    parser.add_argument(
        "--debug",
        action="count",
        default=0,
        help="log each request to stderr (never its headers) and show tracebacks;"
        " twice: the HTTP transport's own logs too",
    )


def stderr(line: str) -> None:
    """One line on stderr, any venue text in it made printable (`fields.printable`). When
    stderr is a closed pipe there is nobody to tell: the exit status still says it."""
    from adapter.fields import printable

    try:
        print(printable(line), file=sys.stderr, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())


def _printable_formatter(fmt: str) -> logging.Formatter:
    """Log lines made printable one by one (a traceback keeps its line breaks)."""
    import logging

    from adapter.fields import printable

    class PrintableFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return "\n".join(printable(line) for line in super().format(record).split("\n"))

    return PrintableFormatter(fmt)


def run_command(args: argparse.Namespace, command: Callable[[], tuple[str, int]]) -> int:
    """Run a command that returns (stdout text, exit status), with the exit statuses of
    the module docstring of `adapter.cli`."""
    import logging  # here: --help need not load it

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_printable_formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if args.debug > 1 else logging.WARNING, handlers=[handler]
    )
    if args.debug:
        logging.getLogger("adapter").setLevel(logging.DEBUG)
    status = 0
    try:
        output, status = command()
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): nothing more to say, and nothing to say it
        # to. Point stdout at devnull so the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except UsageError as exc:
        stderr(f"venue-balances: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        stderr(
            f"venue-balances: unexpected {type(exc).__name__}: {exc}"
            " (run with --debug for a traceback)"
        )
        return 1
    return status


@contextlib.contextmanager
def environment(
    args: argparse.Namespace, *, banner_on_stdout: bool
) -> Iterator[tuple[Mapping[str, str], Sandbox | None]]:
    """The environment a command reads its configuration from: the user's, or with
    `--sandbox` one that points every venue at a sandbox started for the command (its
    banner printed first: on stdout before a table, else on stderr), and that sandbox."""
    from adapter.errors import ConfigurationError, CredentialsError

    try:
        if not args.sandbox:
            yield os.environ, None
            return
        import tempfile

        from adapter.sandbox import Sandbox

        try:
            demo = Sandbox.demo()
        except ValueError as exc:  # a sandbox option from the environment
            raise UsageError(str(exc)) from None
        with demo as sandbox, tempfile.TemporaryDirectory() as directory:
            sandbox.latency = _sandbox_latency()
            if banner_on_stdout:
                print(BANNER, end="\n\n", flush=True)
            else:
                stderr(BANNER)
            yield sandbox.environment(Path(directory)), sandbox
    except (ConfigurationError, CredentialsError) as exc:
        raise UsageError(exc.message) from None


def _sandbox_latency() -> float:  # seconds
    text = os.environ.get(SANDBOX_LATENCY, "").strip()
    if not text:
        return 0.0
    if not (text.isascii() and text.isdigit()) or int(text) > 60_000:
        raise UsageError(f"{SANDBOX_LATENCY} must be a whole number of milliseconds")
    return int(text) / 1000


def selected_venues(
    args: argparse.Namespace, arguments: dict[str, Any]
) -> tuple[list[VenueDefinition], list[VenueDefinition]]:
    """(configured, selected) venues from the client arguments the environment gave and
    `--venue`; a UsageError when none is configured or one asked for is not."""
    configured = [d for d in DEFINITIONS if arguments[d.signer_option] is not None]
    if not configured:
        names = "; or ".join(" and ".join(d.key_variables) for d in DEFINITIONS)
        raise UsageError(
            f"no venue is configured. Set {names};"
            " or try `venue-balances --sandbox` to see it work without credentials."
        )
    asked = args.venue or []
    selected = [d for d in DEFINITIONS if str(d.venue) in asked] or configured
    for definition in selected:
        if definition not in configured:
            names = " and ".join(definition.key_variables)
            raise UsageError(f"--venue {definition.venue} is not configured: set {names}")
    for definition in DEFINITIONS:
        if definition not in selected:
            arguments[definition.signer_option] = None
    return configured, selected


def add_floor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min",
        action="append",
        metavar="SELECTOR=AMOUNT",
        help="a floor: VENUE (each of its balances), VENUE:ID, VENUE:master or"
        " VENUE:total must hold at least AMOUNT (repeatable)",
    )


def floors(args: argparse.Namespace) -> list[Any]:
    """The --min floors; a UsageError naming a bad one."""
    from adapter.unattended import parse_floors

    try:
        return parse_floors(args.min or [])
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def recorder(path: str | None, *, simulated: bool) -> Callable[[BalanceReport], object]:
    """Appends reports to the history at `path` (empty or None: the default place, the
    sandbox's own file for simulated balances)."""
    from adapter.unattended import History, HistoryError, default_path

    try:
        history = History(path or default_path(simulated=simulated))
    except HistoryError as exc:
        raise UsageError(str(exc)) from None

    def record(report: BalanceReport) -> object:
        return history.record(report, simulated=simulated)

    return record

"""What every command of `venue-balances` shares: options, exit statuses, output that
survives a closed pipe, floors and the history (which accounts it reads: `accounts`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapter.venues import DEFINITIONS

if TYPE_CHECKING:
    import logging

    from adapter.domain import BalanceReport

__all__ = [
    "UsageError",
    "add_common_arguments",
    "add_floor_arguments",
    "floors",
    "recorder",
    "run_command",
    "seconds",
    "stderr",
]


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
        help="run against a built-in simulator of every venue (no credentials; numbers are"
        " fake); with an accounts file, one simulated venue per account of it",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the accounts file (default: $VENUE_BALANCES_CONFIG, else accounts.toml in the"
        " user configuration directory if it exists, else the environment variables)",
    )
    parser.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="only this account (repeatable); default: every configured account",
    )
    parser.add_argument(
        "--venue",
        action="append",
        choices=[str(d.venue) for d in DEFINITIONS],
        help="only the accounts of this venue (repeatable); default: every configured account",
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
    sandbox's own file for simulated balances). The file is opened at the first report,
    not before: whatever is wrong with it (corrupt, not ours, a newer version, read-only,
    locked) is a `HistoryError` then, and the fetch it would have recorded still stands."""
    from adapter.unattended import History, default_path

    target = path or default_path(simulated=simulated)
    history: Any = None

    def record(report: BalanceReport) -> object:
        nonlocal history
        if history is None:
            history = History(target, notice=lambda line: stderr(f"venue-balances: {line}"))
        return history.record(report, simulated=simulated)

    return record

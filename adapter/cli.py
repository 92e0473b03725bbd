"""The `venue-balances` command: every configured venue's subaccount balances, one call.

Exit status: 0 everything requested was fetched; 1 some balances could not be fetched
(the rest is still printed, each failure is one line on stderr); 2 usage or configuration
error. Credentials come from the environment only, never from arguments.

Heavy modules are imported after the arguments are parsed, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from adapter.domain import BalanceReport

__all__ = ["main"]

VENUES = ("kalshi", "coinswitch_dma")
EPILOG = """\
environment:
  KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH    Kalshi key id and PEM private key file
  KALSHI_PRIVATE_KEY_PASSWORD                   password of that file, if encrypted
  KALSHI_BASE_URL                               default https://api.elections.kalshi.com/trade-api/v2
  COINSWITCH_API_KEY, COINSWITCH_SECRET_KEY     hex Ed25519 public key and seed
  COINSWITCH_DMA_BASE_URL                       default https://dma.coinswitch.co
  COINSWITCH_DMA_SUBACCOUNTS                    comma-separated ids (or --subaccount)

exit status: 0 all fetched, 1 some could not be fetched, 2 usage or configuration error
"""


class UsageError(Exception):
    """A problem with the arguments or the environment: exit status 2."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances",
        description="Subaccount balances from Kalshi and CoinSwitch DMA, exact to the last digit.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a built-in simulator of both venues (no credentials; numbers are fake)",
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument(
        "--venue",
        action="append",
        choices=VENUES,
        help="fetch only this venue (repeatable); default: every configured venue",
    )
    p.add_argument(
        "--subaccount",
        action="append",
        type=subaccount_id,
        metavar="ID",
        help="a CoinSwitch DMA subaccount id (repeatable); default: COINSWITCH_DMA_SUBACCOUNTS",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="deadline for the whole fetch, retries included (default: 10, plus the time"
        " the CoinSwitch rate limit of 10 requests/s needs for the subaccounts asked for)",
    )
    p.add_argument(
        "--debug", action="store_true", help="log requests to stderr and show tracebacks"
    )
    return p


def subaccount_id(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63):
        raise argparse.ArgumentTypeError(f"not a subaccount id: {text[:30]!r}")
    return int(text)


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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, handlers=[handler])
    try:
        report = run(args)
        output = render(report, args.format)
    except UsageError as exc:
        _stderr(f"venue-balances: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        _stderr(
            f"venue-balances: unexpected {type(exc).__name__}: {exc}"
            " (run with --debug for a traceback)"
        )
        return 1
    sys.stdout.write(output)
    sys.stdout.flush()
    for failure in report.errors:
        from adapter.render import failure_line

        print(failure_line(failure), file=sys.stderr)
    return 1 if report.errors else 0


def _stderr(line: str) -> None:
    """One line on stderr, with any venue text in it made printable (`fields.printable`)."""
    from adapter.fields import printable

    print(printable(line), file=sys.stderr)


class _PrintableFormatter(logging.Formatter):
    """Log lines made printable one by one (a traceback keeps its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        from adapter.fields import printable

        return "\n".join(printable(line) for line in super().format(record).split("\n"))


def run(args: argparse.Namespace) -> BalanceReport:
    from adapter.errors import ConfigurationError, CredentialsError

    try:
        if args.sandbox:
            return run_sandbox(args)
        return run_configured(args)
    except (ConfigurationError, CredentialsError) as exc:
        raise UsageError(exc.message) from None


def run_sandbox(args: argparse.Namespace) -> BalanceReport:
    from adapter.sandbox import Sandbox

    banner = (
        "SIMULATED: these balances come from the built-in sandbox on 127.0.0.1, signed with"
        " throwaway keys; they are not real."
    )
    venues = args.venue or list(VENUES)
    if args.subaccount and "coinswitch_dma" not in venues:
        raise UsageError("--subaccount applies to coinswitch_dma only")
    with Sandbox.demo() as sandbox:
        ids = None
        if "coinswitch_dma" in venues:
            ids = args.subaccount or sandbox.coinswitch_subaccounts
        if args.format == "table":
            print(banner, end="\n\n")
        else:
            print(banner, file=sys.stderr)
        options = _unselected(venues)
        with sandbox.client(timeout=deadline(args.timeout, ids), **options) as client:
            return fetch(client, ids)


def run_configured(args: argparse.Namespace) -> BalanceReport:
    from adapter.client import BalanceClient
    from adapter.config import COINSWITCH_DMA_SUBACCOUNTS, ENVIRONMENT, client_arguments
    from adapter.domain import Venue

    arguments = client_arguments(os.environ)
    configured = [v for v in VENUES if arguments[_SIGNER[v]] is not None]
    if not configured:
        raise UsageError(
            "no venue is configured. Set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH, and/or"
            " COINSWITCH_API_KEY and COINSWITCH_SECRET_KEY (with COINSWITCH_DMA_SUBACCOUNTS);"
            " or try `venue-balances --sandbox` to see it work without credentials."
        )
    venues = args.venue or configured
    for venue in venues:
        if venue not in configured:
            names = " and ".join(ENVIRONMENT[Venue(venue)])
            raise UsageError(f"--venue {venue} is not configured: set {names}")
    ids: list[int] | None = None
    if "coinswitch_dma" in venues:
        ids = args.subaccount or _env_subaccounts(os.environ.get(COINSWITCH_DMA_SUBACCOUNTS, ""))
        if not ids:
            raise UsageError(
                "CoinSwitch DMA is configured but no subaccount ids were given: set"
                f" {COINSWITCH_DMA_SUBACCOUNTS}=1001,1002 or pass --subaccount ID"
                " (or --venue kalshi to skip CoinSwitch)"
            )
    elif args.subaccount:
        raise UsageError("--subaccount applies to coinswitch_dma only")
    arguments.update(_unselected(venues))
    if arguments["kalshi"] is not None:
        _warn_if_readable(os.environ.get("KALSHI_PRIVATE_KEY_PATH", ""))
    with BalanceClient(**arguments, timeout=deadline(args.timeout, ids)) as client:
        return fetch(client, ids)


_SIGNER = {"kalshi": "kalshi", "coinswitch_dma": "coinswitch"}


def _unselected(venues: Sequence[str]) -> dict[str, None]:
    """Client arguments that leave out the venues not asked for."""
    return {_SIGNER[venue]: None for venue in VENUES if venue not in venues}


def deadline(given: float | None, coinswitch_ids: list[int] | None) -> float:  # seconds
    """--timeout, or by default the client's 10 s plus what the CoinSwitch rate limit needs
    for the ids asked for: 200 subaccounts at 10 requests/s cannot be fetched in 10 s."""
    from adapter.client import DEFAULT_COINSWITCH_RATE_LIMIT, DEFAULT_TIMEOUT

    if given is not None:
        return given
    return DEFAULT_TIMEOUT + len(coinswitch_ids or []) / DEFAULT_COINSWITCH_RATE_LIMIT


def _env_subaccounts(text: str) -> list[int]:
    ids = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        try:
            ids.append(subaccount_id(part))
        except argparse.ArgumentTypeError:
            raise UsageError(
                f"COINSWITCH_DMA_SUBACCOUNTS must be comma-separated ids, not {part[:20]!r}"
            ) from None
    return ids


def _warn_if_readable(path: str) -> None:
    """Like ssh: a private key that group or others can read deserves a warning."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _stderr(
            f"warning: {path} is accessible by group or others (mode {stat.filemode(mode)});"
            f" run: chmod 600 {path}"
        )


def fetch(client: Any, coinswitch_ids: list[int] | None) -> BalanceReport:
    progress = _progress(sys.stderr, 1 + len(coinswitch_ids or []))
    try:
        report: BalanceReport = client.all_balances(coinswitch_ids, progress=progress)
    finally:
        if progress is not None:
            progress(-1, 0)
    return report


def _progress(stream: TextIO, total: int) -> Callable[[int, int], None] | None:
    """A progress line on stderr while many subaccounts are fetched at a terminal."""
    if total < 8 or not stream.isatty():
        return None
    lock = threading.Lock()

    def show(done: int, of: int) -> None:
        with lock:
            if done < 0:
                stream.write("\r\033[K")
            else:
                stream.write(f"\rfetching balances: {done}/{of}")
            stream.flush()

    return show


def render(report: BalanceReport, output: str) -> str:
    from adapter import render as formats

    return {"json": formats.as_json, "csv": formats.as_csv, "table": formats.as_table}[output](
        report
    )

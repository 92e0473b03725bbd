"""`venue-balances serve`: a Prometheus exporter of every configured venue's balances.

Polls in the background every `--interval` seconds (the first poll at start), through one
client whose rate limiters and deadline are those of a fetch; `/metrics` serves the last
poll and never calls a venue (`adapter.unattended`). Each poll is
recorded in the history unless `--no-record`. SIGTERM or Ctrl-C stops it (exit 0).
`--web-config FILE` adds TLS and basic auth (`adapter.unattended.webconfig`; a bad file is
exit 2 before anything starts); listening beyond loopback without it is warned about.
SIGHUP reads the accounts again (`--config`, or where they were found); a file with a
mistake keeps the running accounts and says why on stderr.
With `--sandbox`, the sandbox's balances drift a little between polls, so that the
exporter and `history --format chart` have something to show.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
from collections.abc import Sequence
from typing import Any

from adapter.cli.accounts import check_floor_names, deadline, fetch_options, setup
from adapter.cli.common import (
    UsageError,
    add_common_arguments,
    add_floor_arguments,
    floors,
    recorder,
    run_command,
    seconds,
    stderr,
)
from adapter.venues import DEFINITIONS

__all__ = ["main", "parser"]

DEFAULT_LISTEN = "127.0.0.1:9464"
log = logging.getLogger("adapter")


def listen_address(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets: [::1]:9464)."""
    host, colon, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not (port.isascii() and port.isdigit() and int(port) < 65536):
        raise argparse.ArgumentTypeError(f"not HOST:PORT: {text[:60]!r}")
    return host, int(port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venue-balances serve",
        description="A Prometheus exporter: polls every configured venue in the background"
        " and serves the last poll at http://HOST:PORT/metrics.",
    )
    add_common_arguments(p, timeout_help="deadline of each poll (default: as for a fetch)")
    p.add_argument(
        "--listen",
        type=listen_address,
        default=listen_address(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"where to serve /metrics (default {DEFAULT_LISTEN}; 0.0.0.0 for every"
        " interface, only if you mean it)",
    )
    p.add_argument(
        "--interval",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="seconds from the start of one poll to the next (default 60)",
    )
    for definition in DEFINITIONS:
        definition.add_fetch_arguments(p)
    add_floor_arguments(p)
    p.add_argument(
        "--web-config",
        metavar="FILE",
        help="TLS and basic auth from a Prometheus web configuration file (the YAML that"
        " node_exporter's --web.config.file reads)",
    )
    history = p.add_mutually_exclusive_group()
    history.add_argument(
        "--record",
        nargs="?",
        const="",
        metavar="DB",
        help="the history to append each poll to (default: the user data directory)",
    )
    history.add_argument("--no-record", action="store_true", help="keep no history")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def command() -> tuple[str, int]:
        from adapter.unattended import serve

        web_config = load_web_config(args.web_config, args.listen)
        scheme = "https" if web_config is not None and web_config.tls else "http"
        minimums = floors(args)
        record = None if args.no_record else recorder(args.record, simulated=args.sandbox)
        stop = threading.Event()
        reload = threading.Event()
        # SIGTERM as Ctrl-C: serve() takes KeyboardInterrupt as its signal to stop.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda signum, frame: reload.set())
        with Accounts(args, minimums) as accounts:
            try:
                serve(
                    accounts.poll,
                    listen=args.listen,
                    interval=args.interval,
                    accounts=accounts.labels(),
                    floors=minimums,
                    recorder=record,
                    stop=stop,
                    on_listening=lambda host, port: stderr(
                        f"serving {scheme}://{_url_host(host)}:{port}/metrics"
                    ),
                    simulated=args.sandbox,
                    web_config=web_config,
                    reload=reload,
                    reconfigure=accounts.reconfigure,
                )
            except OSError as exc:
                host, port = args.listen
                raise UsageError(f"cannot listen on {host}:{port}: {exc}") from None
        return "", 0

    return run_command(args, command)


class Accounts:
    """The accounts `serve` polls and the client that polls them; on SIGHUP
    (`reconfigure`, from the poll thread between polls) the accounts are read again, and
    a file with a mistake keeps the running ones, saying why on stderr."""

    def __init__(self, args: argparse.Namespace, minimums: Sequence[Any]) -> None:
        self._args = args
        self._minimums = minimums
        self._polls = 0
        self._open: contextlib.ExitStack | None = None
        self._start(banner=True)

    def _start(self, *, banner: bool) -> None:
        from adapter.client import BalanceClient

        stack = contextlib.ExitStack()
        try:
            chosen = stack.enter_context(setup(self._args, banner_on_stdout=False, banner=banner))
            check_floor_names(self._minimums, chosen)
            options = fetch_options(self._args, chosen)
            timeout = deadline(self._args.timeout, options, chosen.accounts)
            client = stack.enter_context(
                BalanceClient(accounts=chosen.accounts, timeout=timeout)  # type: ignore[arg-type]
            )
        except BaseException:
            stack.close()
            raise
        self._chosen, self._options, self._client = chosen, options, client
        if self._open is not None:
            self._open.close()
        self._open = stack

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._open is not None:
            self._open.close()

    def labels(self) -> list[tuple[str, Any]]:
        """(name, venue) of each account polled."""
        return [(a.name, a.venue) for a in self._chosen.accounts]

    def poll(self) -> Any:
        sandbox = self._chosen.sandbox
        if sandbox is not None and self._polls:
            sandbox.drift(self._polls)
        self._polls += 1
        return self._client.all_balances(**self._options)

    def reconfigure(self) -> list[tuple[str, Any]] | None:
        """The accounts read again; None (the running ones kept) when they cannot be."""
        try:
            self._start(banner=False)
        except UsageError as exc:
            stderr(f"venue-balances: the accounts were not reloaded, the running ones kept: {exc}")
            return None
        names = ", ".join(name for name, _ in self.labels())
        stderr(f"venue-balances: accounts reloaded ({self._chosen.configuration.source}): {names}")
        return self.labels()


def load_web_config(path: str | None, listen: tuple[str, int]) -> Any:
    """The --web-config file read (a UsageError naming the file and key when it is bad), or
    None; without one, a warning when the port is reachable from beyond this machine."""
    if path is None:
        if not _loopback(listen[0]):
            stderr(
                f"venue-balances: warning: serving on {listen[0]} without --web-config: the"
                " status page and /metrics show exact balances, without a password, to"
                " anyone who can reach the port"
            )
        return None
    from adapter.errors import ConfigurationError
    from adapter.unattended.webconfig import WebConfig

    try:
        return WebConfig(path)
    except ConfigurationError as exc:
        raise UsageError(exc.message) from None


def _loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

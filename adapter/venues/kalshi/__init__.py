"""Kalshi (Trade API v2): every subaccount's cash per exchange shard in one request, and
per subaccount (GetBalance) what its open positions are worth; signed with RSA-PSS or
Ed25519 (`signer.py`)."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adapter.domain import Subaccount, Venue
from adapter.venues import Value, VenueDefinition

if TYPE_CHECKING:
    import httpx

    from adapter.venues.simulation import Simulator

__all__ = ["DEFINITION"]

VENUE = Venue.KALSHI
KEY_ID = "KALSHI_API_KEY_ID"
PRIVATE_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
PRIVATE_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"
BASE_URL = "KALSHI_BASE_URL"
DEFAULT_BASE_URL = "https://api.elections.kalshi.com/trade-api/v2"


class KalshiDefinition(VenueDefinition):
    venue = VENUE
    title = "Kalshi"
    signer_option = "kalshi"
    base_url_option = "kalshi_base_url"
    rate_limit_option = "kalshi_rate_limit"
    default_base_url = DEFAULT_BASE_URL
    # The Basic tier's 200 read tokens per second at 10 tokens a request.
    default_rate_limit = 20.0
    key_variables = (KEY_ID, PRIVATE_KEY_PATH)
    base_url_variable = BASE_URL
    verbatim_variables = (PRIVATE_KEY_PASSWORD,)
    balance_help = (
        "A Kalshi balance is the cash available, summed over exchange shards; --positions"
        " adds what open positions are worth (portfolio value)."
    )
    environment_help = (
        (f"{KEY_ID}, {PRIVATE_KEY_PATH}", "Kalshi key id and PEM private key file"),
        (PRIVATE_KEY_PASSWORD, "password of that file, if encrypted"),
        (BASE_URL, f"default {DEFAULT_BASE_URL}"),
    )

    def signer_type(self) -> type[httpx.Auth]:
        from adapter.venues.kalshi.signer import KalshiSigner

        return KalshiSigner

    def signer_from_environment(self, value: Value) -> httpx.Auth:
        from adapter.errors import CredentialsError
        from adapter.venues.kalshi.signer import KalshiSigner

        path = os.path.expanduser(value(PRIVATE_KEY_PATH) or "")
        try:
            return KalshiSigner.from_file(value(KEY_ID) or "", path, value(PRIVATE_KEY_PASSWORD))
        except CredentialsError as error:
            text = error.message
            name = (
                PRIVATE_KEY_PASSWORD
                if "password" in text or "encrypted" in text
                else KEY_ID
                if "key id" in text
                else PRIVATE_KEY_PATH
            )
            raise CredentialsError(f"{text} (check {name})", venue=VENUE) from None

    def generated_client(self) -> Callable[..., Any]:
        from venue_balances_kalshi import Client

        return Client

    def simulator(self, options: dict[str, Any]) -> Simulator:
        from adapter.venues.kalshi.simulator import KalshiSimulator

        return KalshiSimulator.demo()

    def add_fetch_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--positions",
            action="store_true",
            help="also read what each Kalshi subaccount's open positions are worth"
            " (portfolio_value: one more request per subaccount)",
        )

    def fetch_options(
        self,
        args: argparse.Namespace,
        environ: Mapping[str, str],
        *,
        selected: bool,
        configured: bool,
    ) -> dict[str, Any]:
        if args.positions and not selected:
            raise ValueError(f"--positions applies to {VENUE}, which is not being read")
        return {"kalshi_positions": True} if args.positions else {}

    def seconds_needed(self, options: Mapping[str, Any]) -> float:
        # With positions, up to 64 more requests at the default 20 requests/s.
        return 64 / self.default_rate_limit if options.get("kalshi_positions") else 0.0

    def list_subaccounts(self, client: Any) -> list[Subaccount]:
        """The numbers the bulk balance call returns (Kalshi has no list endpoint)."""
        return [
            Subaccount(venue=VENUE, subaccount=b.subaccount, primary=b.primary, active=None)
            for b in client.kalshi_balances()
        ]

    def warnings(self, environ: Mapping[str, str]) -> list[str]:
        """Like ssh: a private key that group or others can read deserves a warning."""
        path = os.path.expanduser(environ.get(PRIVATE_KEY_PATH, "").strip())
        try:
            mode = os.stat(path).st_mode if path else 0
        except OSError:
            return []
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return [
                f"{path} is accessible by group or others (mode {stat.filemode(mode)});"
                f" run: chmod 600 {path}"
            ]
        return []


DEFINITION = KalshiDefinition()

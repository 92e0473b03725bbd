"""Kalshi (Trade API v2): every subaccount's cash per exchange shard in one request, and
per subaccount (GetBalance) what its open positions are worth; signed with RSA-PSS or
Ed25519 (`signer.py`)."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from adapter.domain import Subaccount, Venue
from adapter.venues import Account, Value, VenueDefinition

if TYPE_CHECKING:
    import httpx

    from adapter.venues.kalshi.signer import KalshiSigner
    from adapter.venues.simulation import Simulator

__all__ = ["DEFINITION", "KalshiAccount"]

VENUE = Venue.KALSHI
KEY_ID = "KALSHI_API_KEY_ID"
PRIVATE_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
PRIVATE_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"
BASE_URL = "KALSHI_BASE_URL"
DEFAULT_BASE_URL = "https://api.elections.kalshi.com/trade-api/v2"


@attrs.frozen
class KalshiAccount(Account):
    """A Kalshi API key under a name: `KalshiAccount("us-desk", signer, base_url=DEMO)`."""

    venue = VENUE
    name: str
    signer: KalshiSigner
    base_url: str | None = attrs.field(default=None, kw_only=True)
    rate_limit: float | None = attrs.field(default=20.0, kw_only=True)


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

    def account_type(self) -> type[Account]:
        return KalshiAccount

    def credentials(self, account: Any) -> tuple[object, ...]:
        return (account.signer.key_id, account.url.rstrip("/"))

    def key_label(self, account: Any) -> str:
        return f"key id {account.signer.key_id}"

    table_keys = (
        "api_key_id",
        "private_key_path",
        "private_key_password_env",
        "private_key_password_file",
        "base_url",
        "rate_limit",
    )

    def account_from_table(self, table: Any) -> Account:
        """`api_key_id`, `private_key_path` (RSA or Ed25519 PEM), the PEM's password by
        `private_key_password_env` (a variable's name) or `private_key_password_file`,
        `base_url`, `rate_limit`."""
        from adapter.errors import CredentialsError
        from adapter.venues.kalshi.signer import KalshiSigner

        key_id = table.text("api_key_id")
        path = table.path_of("private_key_path")
        ways = table.given("private_key_password_env", "private_key_password_file")
        if len(ways) > 1:
            raise table.error(ways[1], f"give the password one way: {ways[0]} or {ways[1]}")
        password = None
        if ways == ["private_key_password_env"]:
            password = table.variable("private_key_password_env", verbatim=True)
        elif ways:
            password = table.secret_text("private_key_password_file", verbatim=True)
        base_url = table.url()
        rate_limit = table.rate_limit(self.default_rate_limit)
        try:
            signer = KalshiSigner.from_file(key_id, path, password)
        except CredentialsError as error:
            text = error.message
            key = "private_key_path"
            if ways and ("password" in text or "encrypted" in text):
                key = ways[0]
            elif "key id" in text:
                key = "api_key_id"
            raise table.error(key, text) from None
        return KalshiAccount(table.name, signer, base_url=base_url, rate_limit=rate_limit)

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

    def fetch_options(self, args: argparse.Namespace, setup: Any) -> dict[str, Any]:
        if args.positions and not any(a.venue == VENUE for a in setup.accounts):
            raise ValueError(f"--positions applies to {VENUE}, which is not being read")
        return {"kalshi_positions": True} if args.positions else {}

    def seconds_needed(self, options: Mapping[str, Any], accounts: Sequence[Account]) -> float:
        # With positions, up to 64 more requests at the default 20 requests/s.
        return 64 / self.default_rate_limit if options.get("kalshi_positions") else 0.0

    def list_subaccounts(self, client: Any, account: str) -> list[Subaccount]:
        """The numbers the bulk balance call returns (Kalshi has no list endpoint)."""
        return [
            Subaccount(venue=VENUE, account=account, subaccount=b.subaccount, primary=b.primary)
            for b in client.kalshi_balances(account=account)
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

"""CoinSwitch DMA (B2B master-account API): subaccount balances, signed with the master
account's Ed25519 key (`signer.py`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adapter.domain import Subaccount, Venue, parse_subaccount
from adapter.venues import Value, VenueDefinition

if TYPE_CHECKING:
    import httpx

    from adapter.venues.simulation import Simulator

__all__ = ["DEFINITION", "parse_subaccount_id"]

VENUE = Venue.COINSWITCH_DMA
API_KEY = "COINSWITCH_API_KEY"
SECRET_KEY = "COINSWITCH_SECRET_KEY"
BASE_URL = "COINSWITCH_DMA_BASE_URL"
SUBACCOUNTS = "COINSWITCH_DMA_SUBACCOUNTS"
SANDBOX_CHILDREN = "COINSWITCH_DMA_SANDBOX_CHILDREN"
DEFAULT_BASE_URL = "https://dma.coinswitch.co"
# CoinSwitch publishes no B2B rate limit.
DEFAULT_RATE_LIMIT = 10.0  # requests per second


def parse_subaccount_id(text: str) -> int:
    """A child's id as typed by a user (the spec's int64, >= 0; `master` is no child's id:
    the whole master is read by naming none); ValueError if not."""
    try:
        number = parse_subaccount(text)
    except ValueError:
        number = None
    if number is None:
        raise ValueError(f"not a subaccount id: {text[:30]!r}")
    return number


class CoinSwitchDefinition(VenueDefinition):
    venue = VENUE
    title = "CoinSwitch DMA"
    signer_option = "coinswitch"
    base_url_option = "coinswitch_base_url"
    rate_limit_option = "coinswitch_rate_limit"
    default_base_url = DEFAULT_BASE_URL
    default_rate_limit = DEFAULT_RATE_LIMIT
    key_variables = (API_KEY, SECRET_KEY)
    base_url_variable = BASE_URL
    environment_help = (
        (f"{API_KEY}, {SECRET_KEY}", "master account's hex Ed25519 public key and seed"),
        (BASE_URL, f"default {DEFAULT_BASE_URL}"),
        (SUBACCOUNTS, "comma-separated child ids to read (default: the whole master)"),
    )
    balance_help = (
        "A CoinSwitch DMA balance is total equity in USDT: wallets plus unrealised PnL,"
        " every coin valued in USDT; the master account's own row shows as `master`."
    )

    def signer_type(self) -> type[httpx.Auth]:
        from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner

        return CoinSwitchSigner

    def signer_from_environment(self, value: Value) -> httpx.Auth:
        from adapter.errors import CredentialsError
        from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner

        try:
            return CoinSwitchSigner(value(API_KEY) or "", value(SECRET_KEY) or "")
        except CredentialsError as error:
            text = error.message
            if "secret key" in text and "API key" in text:
                names = f"{API_KEY} and {SECRET_KEY}"
            else:
                names = SECRET_KEY if "secret key" in text else API_KEY
            raise CredentialsError(f"{text} (check {names})", venue=VENUE) from None

    def generated_client(self) -> Callable[..., Any]:
        from venue_balances_coinswitch_dma import Client

        return Client

    def simulator(self, options: dict[str, Any]) -> Simulator:
        """Option `coinswitch_children=N` (or the variable COINSWITCH_DMA_SANDBOX_CHILDREN):
        a master with N generated children instead of the three samples."""
        from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator

        children = options.pop("coinswitch_children", None)
        if children is None and os.environ.get(SANDBOX_CHILDREN, "").strip():
            try:
                children = parse_subaccount_id(os.environ[SANDBOX_CHILDREN].strip())
            except ValueError:
                raise ValueError(f"{SANDBOX_CHILDREN} must be a number of children") from None
        return CoinSwitchSimulator.demo(children)

    def add_fetch_arguments(self, parser: argparse.ArgumentParser) -> None:
        def subaccount(text: str) -> int:
            try:
                return parse_subaccount_id(text)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None

        parser.add_argument(
            "--subaccount",
            action="append",
            type=subaccount,
            metavar="ID",
            help=f"read only this CoinSwitch DMA child (repeatable); default: {SUBACCOUNTS},"
            " or the whole master (its own balance and every child's, in one request)",
        )

    def fetch_options(
        self,
        args: argparse.Namespace,
        environ: Mapping[str, str],
        *,
        selected: bool,
        configured: bool,
    ) -> dict[str, Any]:
        if configured and not selected:  # --venue left it out: its ids do not matter
            if args.subaccount:
                raise ValueError(f"--subaccount applies to {VENUE} only")
            return {}
        named = args.subaccount or _environment_ids(environ.get(SUBACCOUNTS, ""))
        if not configured and named:
            given = "--subaccount" if args.subaccount else SUBACCOUNTS
            raise ValueError(
                f"{given} names CoinSwitch DMA subaccounts, but CoinSwitch DMA is not"
                f" configured: set {API_KEY} and {SECRET_KEY}"
            )
        if not selected:
            if args.subaccount:
                raise ValueError(f"--subaccount applies to {VENUE} only")
            return {}
        return {"coinswitch_subaccounts": named} if named else {}  # none named: whole master

    def list_subaccounts(self, client: Any) -> list[Subaccount]:
        return list(client.coinswitch_subaccounts())

    def seconds_needed(self, options: Mapping[str, Any]) -> float:
        # 200 subaccounts at 10 requests/s cannot be fetched in the default 10 s.
        return len(options.get("coinswitch_subaccounts") or []) / DEFAULT_RATE_LIMIT


def _environment_ids(text: str) -> list[int]:
    ids = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        try:
            ids.append(parse_subaccount_id(part))
        except ValueError:
            raise ValueError(
                f"{SUBACCOUNTS} must be comma-separated ids, not {part[:20]!r}"
            ) from None
    return ids


DEFINITION = CoinSwitchDefinition()

"""CoinSwitch DMA (B2B master-account API): subaccount balances, signed with the master
account's Ed25519 key (`signer.py`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adapter.domain import Venue
from adapter.venues import Value, VenueDefinition

if TYPE_CHECKING:
    import httpx

    from adapter.simulation import Simulator

__all__ = ["DEFINITION", "parse_subaccount_id"]

VENUE = Venue.COINSWITCH_DMA
API_KEY = "COINSWITCH_API_KEY"
SECRET_KEY = "COINSWITCH_SECRET_KEY"
BASE_URL = "COINSWITCH_DMA_BASE_URL"
SUBACCOUNTS = "COINSWITCH_DMA_SUBACCOUNTS"
DEFAULT_BASE_URL = "https://dma.coinswitch.co"
# CoinSwitch publishes no B2B rate limit.
DEFAULT_RATE_LIMIT = 10.0  # requests per second


def parse_subaccount_id(text: str) -> int:
    """A subaccount id as typed by a user (the spec's int64, >= 0); ValueError if not."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63):
        raise ValueError(f"not a subaccount id: {text[:30]!r}")
    return int(text)


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
        (f"{API_KEY}, {SECRET_KEY}", "hex Ed25519 public key and seed"),
        (BASE_URL, f"default {DEFAULT_BASE_URL}"),
        (SUBACCOUNTS, "comma-separated ids (or --subaccount)"),
    )

    def signer_type(self) -> type[httpx.Auth]:
        from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner

        return CoinSwitchSigner

    def signer_from_environment(self, value: Value) -> httpx.Auth:
        from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner

        return CoinSwitchSigner(value(API_KEY) or "", value(SECRET_KEY) or "")

    def generated_client(self) -> Callable[..., Any]:
        from venue_balances_coinswitch_dma import Client

        return Client

    def simulator(self, options: dict[str, Any]) -> Simulator:
        from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator

        return CoinSwitchSimulator.demo()

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
            help=f"a CoinSwitch DMA subaccount id (repeatable); default: {SUBACCOUNTS}",
        )

    def fetch_options(
        self,
        args: argparse.Namespace,
        environ: Mapping[str, str],
        *,
        selected: bool,
        configured: bool,
    ) -> dict[str, Any]:
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
        ids = named
        if not ids:
            raise ValueError(
                f"CoinSwitch DMA is configured but no subaccount ids were given: set"
                f" {SUBACCOUNTS}=1001,1002 or pass --subaccount ID"
                f" (or --venue to read only other venues)"
            )
        return {"coinswitch_subaccounts": ids}

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

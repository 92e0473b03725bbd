"""CoinSwitch DMA (B2B master-account API): subaccount balances, signed with the master
account's Ed25519 key (`signer.py`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from adapter.domain import Subaccount, Venue, parse_subaccount
from adapter.venues import ACCOUNT_NAME, Account, Value, VenueDefinition

if TYPE_CHECKING:
    import httpx

    from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner
    from adapter.venues.simulation import Simulator

__all__ = ["DEFINITION", "CoinSwitchAccount", "parse_subaccount_id"]

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


def _children(ids: object) -> tuple[int, ...] | None:
    """The children an account reads (None: the whole master), as a tuple of ids."""
    if ids is None:
        return None
    from adapter.errors import ConfigurationError
    from adapter.fields import INT64_MAX

    if isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
        raise ConfigurationError("subaccounts must be a list of child ids (or None)", venue=VENUE)
    children = tuple(ids)
    for child in children:
        if type(child) is not int or not 0 <= child <= INT64_MAX:
            raise ConfigurationError(
                f"subaccounts must be child ids (integers >= 0), not {child!r:.40}", venue=VENUE
            )
    return children


@attrs.frozen
class CoinSwitchAccount(Account):
    """A CoinSwitch DMA master's key pair under a name: `CoinSwitchAccount("in-master",
    signer, subaccounts=[1001, 1002])` (default: the whole master)."""

    venue = VENUE
    name: str
    signer: CoinSwitchSigner
    base_url: str | None = attrs.field(default=None, kw_only=True)
    rate_limit: float | None = attrs.field(default=DEFAULT_RATE_LIMIT, kw_only=True)
    subaccounts: tuple[int, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_children
    )
    """The children `all_balances` reads of this master; None: the whole master."""


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

    def account_type(self) -> type[Account]:
        return CoinSwitchAccount

    def credentials(self, account: Any) -> tuple[object, ...]:
        return (account.signer.api_key.lower(), account.url.rstrip("/"))

    def key_label(self, account: Any) -> str:
        return f"public key {account.signer.api_key[:8]}..."

    def other_variables(self) -> tuple[str, ...]:
        return (BASE_URL, SUBACCOUNTS)

    table_keys = (
        "api_key",
        "secret_key_env",
        "secret_key_file",
        "secret_key",
        "subaccounts",
        "base_url",
        "rate_limit",
    )

    def account_from_table(self, table: Any) -> Account:
        """`api_key` (hex public key); the hex seed by exactly one of `secret_key_env` (a
        variable's name), `secret_key_file` or `secret_key` (inline: only in a file its
        owner alone may read); `subaccounts`, `base_url`, `rate_limit`."""
        from adapter.errors import CredentialsError
        from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner

        api_key = table.text("api_key")
        ways = table.given("secret_key_env", "secret_key_file", "secret_key")
        if len(ways) != 1:
            raise table.error(
                ways[1] if ways else None,
                "give the secret key exactly one way: secret_key_env (a variable's name),"
                " secret_key_file, or secret_key (inline, in a file readable by its owner only)",
            )
        [way] = ways
        if way == "secret_key_env":
            secret = table.variable(way)
        elif way == "secret_key_file":
            secret = table.secret_text(way)
        else:
            secret = table.inline_secret(way)
        subaccounts = table.ids("subaccounts")
        base_url = table.url()
        rate_limit = table.rate_limit(self.default_rate_limit)
        try:
            signer = CoinSwitchSigner(api_key, secret or "")
        except CredentialsError as error:
            text = error.message
            key = way if "secret key" in text and "API key" not in text else "api_key"
            if "secret key" in text and "API key" in text:
                key = f"api_key and {way}"
            raise table.error(key, text) from None
        return CoinSwitchAccount(
            table.name, signer, base_url=base_url, rate_limit=rate_limit, subaccounts=subaccounts
        )

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
        def subaccount(text: str) -> str:
            account, _, number = text.rpartition(":")
            try:
                parse_subaccount_id(number)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
            if account and not ACCOUNT_NAME.fullmatch(account):
                raise argparse.ArgumentTypeError(f"not an account's name: {account[:30]!r}")
            return text

        parser.add_argument(
            "--subaccount",
            action="append",
            type=subaccount,
            metavar="[ACCOUNT:]ID",
            help=f"read only this CoinSwitch DMA child (repeatable; ACCOUNT: names the master"
            f" account it is of, needed when several are read); default: {SUBACCOUNTS} or the"
            " accounts file's subaccounts, or the whole master (its own balance and every"
            " child's, in one request)",
        )

    def fetch_options(self, args: argparse.Namespace, setup: Any) -> dict[str, Any]:
        mine = [a for a in setup.accounts if a.venue == VENUE]
        configured = any(a.venue == VENUE for a in setup.configured)
        given: list[str] = args.subaccount or []
        if configured and not mine:  # --venue or --account left it out: its ids do not matter
            if given:
                raise ValueError(f"--subaccount applies to {VENUE} only")
            return {}
        if given:
            if not configured:
                raise ValueError(
                    "--subaccount names CoinSwitch DMA subaccounts, but CoinSwitch DMA is not"
                    f" configured: set {API_KEY} and {SECRET_KEY}"
                )
            return {"coinswitch_subaccounts": _named(given, mine)}
        named = (
            _environment_ids(setup.environ.get(SUBACCOUNTS, "")) if setup.from_environment else []
        )
        if named and not configured:
            raise ValueError(
                f"{SUBACCOUNTS} names CoinSwitch DMA subaccounts, but CoinSwitch DMA is not"
                f" configured: set {API_KEY} and {SECRET_KEY}"
            )
        return {"coinswitch_subaccounts": named} if named and mine else {}

    def list_subaccounts(self, client: Any, account: str) -> list[Subaccount]:
        return list(client.coinswitch_subaccounts(account=account))

    def seconds_needed(self, options: Mapping[str, Any], accounts: Sequence[Account]) -> float:
        # 200 subaccounts at 10 requests/s cannot be fetched in the default 10 s; accounts
        # are read at once, so the one with the most children named sets the time.
        named = options.get("coinswitch_subaccounts")
        counts = [0]
        if isinstance(named, Mapping):
            counts += [len(ids) for ids in named.values()]
        elif named:
            counts.append(len(named))
        counts += [len(a.subaccounts or ()) for a in accounts if isinstance(a, CoinSwitchAccount)]
        return max(counts) / DEFAULT_RATE_LIMIT


def _named(given: list[str], mine: list[Account]) -> dict[str, list[int]]:
    """`--subaccount [ACCOUNT:]ID` values as {account: ids}; a bare ID only while one
    CoinSwitch DMA account is read."""
    names = ", ".join(a.name for a in mine)
    named: dict[str, list[int]] = {}
    for text in given:
        account, colon, number = text.rpartition(":")
        if not colon:
            if len(mine) > 1:
                raise ValueError(
                    f"--subaccount {text}: {len(mine)} CoinSwitch DMA accounts are read"
                    f" ({names}): write ACCOUNT:ID"
                )
            account = mine[0].name
        elif account not in {a.name for a in mine}:
            raise ValueError(
                f"--subaccount {text}: {account!r} is not a CoinSwitch DMA account being"
                f" read ({names})"
            )
        named.setdefault(account, []).append(parse_subaccount_id(number))
    return named


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

"""CoinSwitch DMA's endpoints as a handler with no I/O (mounted by `adapter.sandbox`).

Checks each request as CoinSwitch does (Ed25519 over METHOD + URL-decoded path with query
+ epoch; an epoch more than 60 s off is refused) and answers from `master` and `accounts`:
one child's balance, the master's, the subaccount list (flags left out, as the venue's
example does) and the consolidated answer (flags explicit nulls, as its example does).

Its length (about 260 lines) is four endpoints, the signature check, the demo's sample
accounts and the drift, kept in one place so the simulated venue stays consistent.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from adapter.domain import Venue
from adapter.venues import coinswitch_dma
from adapter.venues.coinswitch_dma.signer import CoinSwitchSigner
from adapter.venues.simulation import Request, Response, json_response, skewed

__all__ = ["SAMPLE_ACCOUNTS", "SAMPLE_MASTER", "CoinSwitchSimulator"]

PREFIX = "/dma/api/v1/"
CHILD_PATH = "/dma/api/v1/master/subaccount/balance"
MASTER_PATH = "/dma/api/v1/master/balance"
LIST_PATH = "/dma/api/v1/master/subaccounts"
CONSOLIDATED_PATH = "/dma/api/v1/master/balance/consolidated"
MASTER_ID = 1000


def _coin(coin: str, equity: str, wallet: str, pnl: str | None = None) -> dict[str, str]:
    """A coin row; INR amounts at the demo's 84.50 rate, rounded half-up as CoinSwitch does."""

    row = {"coin": coin, "equity": equity, "equityINR": _inr(equity)}
    row |= {"walletBalance": wallet, "walletBalanceINR": _inr(wallet)}
    if pnl is not None:
        row |= {"unrealisedPnl": pnl, "unrealisedPnlINR": _inr(pnl)}
    return row


def _inr(amount: str) -> str:
    return str((Decimal(amount) * Decimal("84.50")).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _account(number: int | None, total: str, coins: list[Any], active: bool | None) -> Any:
    data: dict[str, Any] = {
        "subaccount_id": number,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {"totalEquity": total, "totalEquityINR": _inr(total), "coin": coins},
    }
    if number is not None:
        data["is_active"] = active
    return data


def _shift(detail: dict[str, Any], delta: Decimal) -> None:
    def moved(text: str) -> str:
        return str((Decimal(text) + delta).quantize(Decimal(text)))

    detail["totalEquity"] = moved(detail["totalEquity"])
    detail["totalEquityINR"] = _inr(detail["totalEquity"])
    if detail["coin"]:
        coin = detail["coin"][0]
        for key in ("equity", "walletBalance"):
            coin[key] = moved(coin[key])
            coin[key + "INR"] = _inr(coin[key])


def _scale(detail: dict[str, Any], factor: int) -> None:
    """Every USDT amount of an account multiplied (digits kept); INR amounts follow."""

    def times(text: str) -> str:
        return format(Decimal(text) * factor, "f")

    detail["totalEquity"] = times(detail["totalEquity"])
    detail["totalEquityINR"] = _inr(detail["totalEquity"])
    for coin in detail["coin"]:
        for key in ("equity", "walletBalance", "unrealisedPnl"):
            if key in coin:
                coin[key] = times(coin[key])
                coin[key + "INR"] = _inr(coin[key])


def _children(count: int) -> dict[int, dict[str, Any]]:
    """`count` children 1001, 1002, ... with amounts of varied digits; every tenth inactive."""
    accounts = {}
    for offset in range(count):
        number = 1001 + offset
        equity = f"{(offset * 7919) % 100000}.{offset % 100:02d}"
        accounts[number] = _account(
            number, equity, [_coin("USDT", equity, equity)], active=offset % 10 != 9
        )
    return accounts


# The demo's children: one with unrealised PnL and two coins, one inactive.
SAMPLE_ACCOUNTS: dict[int, dict[str, Any]] = {
    1001: _account(1001, "5000.00", [_coin("USDT", "5000.00", "5000.00")], True),
    1002: _account(
        1002,
        "10750.25",
        [_coin("USDT", "10500.25", "10000.00", "500.25"), _coin("USDC", "250.00", "250.00")],
        True,
    ),
    1003: _account(1003, "42.10", [_coin("USDT", "42.10", "42.10")], False),
}
# The master's own balance: the venue's documented example.
SAMPLE_MASTER = _account(None, "10500.25", [_coin("USDT", "10500.25", "10000.00", "500.25")], None)


class CoinSwitchSimulator:
    """CoinSwitch DMA's master endpoints, answering from `accounts` (child id -> `data`)."""

    venue = Venue.COINSWITCH_DMA

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (),
        accounts: dict[int, dict[str, Any]] | None = None,
        master: dict[str, Any] | None = None,
        foreign_subaccounts: Iterable[int] = (),
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.api_keys = {key.lower() for key in api_keys}
        self.accounts: dict[int, dict[str, Any]] = copy.deepcopy(accounts or {})
        """Each child's `data` (balance endpoint shape), by id."""
        self.master: dict[str, Any] = copy.deepcopy(master or SAMPLE_MASTER)
        """The master's own `data` (master balance endpoint shape)."""
        self.master_id = MASTER_ID
        """The master's numeric id, as the subaccount list gives it."""
        self.consolidated = True
        """Whether the consolidated endpoint is offered (False: it answers 404)."""
        self._undrifted: tuple[dict[str, Any], dict[int, dict[str, Any]]] | None = None
        self.foreign_subaccounts = set(foreign_subaccounts)
        """Children of another master: 403."""
        self.verify = True
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._secret: str | None = None

    @classmethod
    def demo(cls, children: int | None = None) -> CoinSwitchSimulator:
        """The sample master and children (or `children` generated ones, 1001 up; 2001 is
        another master's: 403; any other id: 404), and a throwaway key to sign with."""
        key = ed25519.Ed25519PrivateKey.generate()
        simulator = cls(
            api_keys=[key.public_key().public_bytes_raw().hex()],
            accounts=SAMPLE_ACCOUNTS if children is None else _children(children),
            foreign_subaccounts=[2001],
        )
        simulator._secret = key.private_bytes_raw().hex()
        return simulator

    @property
    def subaccounts(self) -> list[int]:
        """The children this simulator serves balances for."""
        return sorted(self.accounts)

    # The simulation protocol ---------------------------------------------------------------

    def owns(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def stamp(self, request: Request) -> tuple[str | None, str | None]:
        return request.headers.get("X-AUTH-EPOCH"), request.headers.get("X-AUTH-SIGNATURE")

    def refuse(self, request: Request) -> Response | None:
        if request.method != "GET":
            return json_response(405, {"message": "method not allowed"})
        return self._check(request) if self.verify else None

    def answer(self, request: Request) -> Response:
        path = request.path
        if path == CHILD_PATH:
            return self._child(request.target)
        if path == MASTER_PATH:
            return json_response(200, {"message": "success", "data": self.master})
        if path == LIST_PATH:
            return json_response(200, {"message": "success", "data": self._list()})
        if path == CONSOLIDATED_PATH and self.consolidated:
            return json_response(200, {"message": "success", "data": self._consolidated()})
        return json_response(404, {"message": f"no such endpoint: {path}"})

    def error_body(self, status: int) -> bytes:
        messages = {429: "too many requests", 500: "internal server error"}
        return json_response(status, {"message": messages.get(status, f"HTTP {status}")}).body

    def drift(self, step: int) -> None:
        """Each account's equity (and its first coin's) moves by -1.25 .. +1.25 USDT from
        where it started, by step; INR amounts follow."""
        if self._undrifted is None:
            self._undrifted = copy.deepcopy((self.master, self.accounts))
        master, accounts = copy.deepcopy(self._undrifted)
        for index, data in enumerate([master, *accounts.values()]):
            _shift(data["balance_detail"], Decimal((step * 7 + index * 3) % 11 - 5) / 4)
        self.master, self.accounts = master, accounts

    def vary(self, variant: int) -> None:
        for data in [self.master, *self.accounts.values()]:
            _scale(data["balance_detail"], variant + 1)
        self._undrifted = None

    def client_options(self) -> dict[str, Any]:
        return {coinswitch_dma.DEFINITION.signer_option: self.signer()}

    def base_url(self, root: str) -> str:
        return root

    def environment(self, directory: Path) -> dict[str, str]:
        signer = self.signer()
        return {
            coinswitch_dma.API_KEY: signer.api_key,
            coinswitch_dma.SECRET_KEY: self._demo_secret(),
        }

    # Keys ------------------------------------------------------------------------------------

    def signer(self, *, clock: Callable[[], int] | None = None) -> CoinSwitchSigner:
        """A signer with the demo's throwaway key."""
        secret = self._demo_secret()
        public = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret)).public_key()
        return CoinSwitchSigner(public.public_bytes_raw().hex(), secret, clock=clock)

    def _demo_secret(self) -> str:
        if self._secret is None:
            raise RuntimeError("only CoinSwitchSimulator.demo() holds a secret key")
        return self._secret

    def _check(self, request: Request) -> Response | None:
        api_key = request.headers.get("X-AUTH-APIKEY")
        epoch, signature = self.stamp(request)
        if not api_key:
            return json_response(401, {"message": "X-Auth-Apikey header is required"})
        if not epoch:
            return json_response(400, {"message": "X-AUTH-EPOCH header is required"})
        if api_key.lower() not in self.api_keys:
            return json_response(401, {"message": "invalid or expired API key"})
        if not signature:
            return json_response(401, {"message": "X-Auth-Signature header is required"})
        if skewed(epoch, self._clock()):
            return json_response(401, {"message": "X-AUTH-EPOCH is outside the allowed window"})
        message = f"{request.method}{unquote_plus(request.target)}{epoch}".encode()
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(api_key))
            key.verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return json_response(401, {"message": "invalid signature"})
        return None

    # Answers -----------------------------------------------------------------------------------

    def _list(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = [{"subaccount_id": self.master_id, "is_master": True}]
        for number in self.subaccounts:
            rows.append({"subaccount_id": number, "is_active": self.accounts[number]["is_active"]})
        return {"subaccounts": rows}

    def _consolidated(self) -> dict[str, Any]:
        master = {**self.master, "subaccount_id": None, "is_master": True, "is_active": None}
        rows = [master] + [{**self.accounts[n], "is_master": None} for n in self.subaccounts]
        return {"balances": rows}

    def _child(self, target: str) -> Response:
        values = parse_qs(urlsplit(target).query).get("subaccount_id")
        if not values:
            return json_response(400, {"message": "subaccount_id query parameter is required"})
        text = values[0]
        if not text.isdigit():
            message = f'invalid subaccount_id "{text[:20]}": must be a valid numeric identifier'
            return json_response(400, {"message": message})
        number = int(text)
        if number in self.foreign_subaccounts:
            return json_response(403, {"message": "subaccount does not belong to master account"})
        account = self.accounts.get(number)
        if account is None:
            return json_response(404, {"message": "subaccount not found"})
        return json_response(200, {"message": "success", "data": account})

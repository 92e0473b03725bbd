"""Kalshi's endpoints as a handler with no I/O (mounted by `adapter.sandbox`).

Checks each request as Kalshi does (RSA-PSS or Ed25519 over timestamp + METHOD + path
without query; a timestamp more than 60 s off is refused) and answers from `shards`: each
subaccount's cash per exchange shard, the one place both endpoints derive their figures
from, so the bulk rows and GetBalance never disagree. GetBalance adds `portfolio_values`.

Its length (about 260 lines) is both endpoints, the signature check and the shard store
the two answer from, kept in one place so the simulated venue stays consistent.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Callable, Mapping
from decimal import Context, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from adapter.domain import Venue
from adapter.venues import kalshi
from adapter.venues.kalshi.signer import KalshiSigner
from adapter.venues.simulation import Request, Response, json_response, skewed

__all__ = [
    "SAMPLE_BALANCES",
    "SAMPLE_PORTFOLIO_VALUES",
    "SAMPLE_SHARDS",
    "SAMPLE_UPDATED_TS",
    "KalshiSimulator",
]

PREFIX = "/trade-api/v2"
BULK_PATH = PREFIX + "/portfolio/subaccounts/balances"
BALANCE_PATH = PREFIX + "/portfolio/balance"
SUBACCOUNTS = range(64)
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_WIDE = Context(prec=100_000)  # sums and cents of any amount a test sets, exactly

# The demo's primary and two subaccounts: the primary spread over two shards, subaccount 1
# flush on shard 0 but short on shard 1 (its total hides that), subaccount 2 on one shard.
SAMPLE_UPDATED_TS = 1763751540  # 2025-11-21T18:59:00Z
SAMPLE_SHARDS = {
    0: {0: "1000.2500", 1: "500.00"},
    1: {0: "325.75", 1: "-5.00"},
    2: {0: "0.123456"},
}
SAMPLE_BALANCES = {0: "1500.2500", 1: "320.75", 2: "0.123456"}
"""Each subaccount's total over its shards, as the README shows it."""
SAMPLE_PORTFOLIO_VALUES = {0: 12345, 1: 0, 2: 5000}
"""Value of open positions in cents, as GetBalance states it."""


def _times(dollars: str, factor: int) -> str:
    """An amount multiplied, its digits after the point kept."""
    return format(_WIDE.multiply(Decimal(dollars), factor), "f")


class KalshiSimulator:
    """Kalshi's balance endpoints, answering from `shards` (subaccount -> exchange_index ->
    dollars) and `portfolio_values` (subaccount -> cents); `balances` puts each
    subaccount's cash on shard 0."""

    venue = Venue.KALSHI

    def __init__(
        self,
        *,
        key_id: str | None = None,
        public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey | None = None,
        balances: Mapping[int, str] | None = None,
        shards: Mapping[int, Mapping[int, str]] | None = None,
        portfolio_values: Mapping[int, int] | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.key_id = key_id
        self.public_key = public_key
        self.shards: dict[int, dict[int, str]] = {}
        """Cash per subaccount and exchange shard, as dollar strings (`set_shards`)."""
        for number, dollars in (balances or {}).items():
            self.set_shards(number, {0: dollars})
        for number, held in (shards or {}).items():
            self.set_shards(number, held)
        self.portfolio_values: dict[int, int] = dict(portfolio_values or {})
        """GetBalance's portfolio_value per subaccount, in cents (0 when not set)."""
        self.balance_errors: dict[int, int] = {}
        """Subaccounts whose GetBalance answers this status with Kalshi's error body
        (their bulk rows stay): one subaccount failing while the others answer."""
        self.updated_ts = SAMPLE_UPDATED_TS
        self.verify = True
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._private_key: rsa.RSAPrivateKey | None = None
        self._undrifted: dict[int, dict[int, str]] | None = None

    @classmethod
    def demo(cls) -> KalshiSimulator:
        """The sample balances, and a throwaway RSA key to sign with (`client_options`)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        simulator = cls(
            key_id="sandbox-key",
            public_key=key.public_key(),
            shards=SAMPLE_SHARDS,
            portfolio_values=SAMPLE_PORTFOLIO_VALUES,
        )
        simulator._private_key = key
        return simulator

    def set_shards(self, subaccount: int, shards: Mapping[int, str]) -> None:
        """Hold exactly these dollar amounts (exchange_index -> dollars) for a subaccount."""
        if not shards:
            raise ValueError("a subaccount holds cash on at least one shard")
        self.shards[subaccount] = dict(sorted(shards.items()))

    def rows(self) -> list[dict[str, Any]]:
        """The bulk endpoint's rows: one per (subaccount, shard)."""
        return [
            {
                "subaccount_number": number,
                "exchange_index": index,
                "balance": dollars,
                "updated_ts": self.updated_ts,
            }
            for number, held in sorted(self.shards.items())
            for index, dollars in sorted(held.items())
        ]

    def get_balance(self, subaccount: int) -> dict[str, Any]:
        """GetBalance's 200 body for a subaccount it holds: every shard's cash."""
        held = sorted(self.shards[subaccount].items())
        total = held[0][1]  # one shard: its own digits, as Kalshi states them
        if len(held) > 1:
            added = Decimal(0)
            for _, dollars in held:
                added = _WIDE.add(added, Decimal(dollars))
            total = format(added, "f")
        return {
            "balance": int(_WIDE.multiply(Decimal(total), 100)),  # truncated toward zero
            "balance_dollars": total,
            "portfolio_value": self.portfolio_values.get(subaccount, 0),
            "updated_ts": self.updated_ts,
            "balance_breakdown": [
                {"exchange_index": index, "balance": dollars} for index, dollars in held
            ],
        }

    # The simulation protocol ---------------------------------------------------------------

    def owns(self, path: str) -> bool:
        return path.startswith(PREFIX + "/")

    def stamp(self, request: Request) -> tuple[str | None, str | None]:
        headers = request.headers
        return headers.get("KALSHI-ACCESS-TIMESTAMP"), headers.get("KALSHI-ACCESS-SIGNATURE")

    def refuse(self, request: Request) -> Response | None:
        if request.method != "GET":
            return json_response(405, {"code": "method_not_allowed", "message": "GET only"})
        return self._check(request) if self.verify else None

    def answer(self, request: Request) -> Response:
        if request.path == BULK_PATH:
            return json_response(200, {"subaccount_balances": self.rows()})
        if request.path == BALANCE_PATH:
            return self._balance(request.target)
        return json_response(
            404, {"code": "not_found", "message": f"no such endpoint: {request.path}"}
        )

    def error_body(self, status: int) -> bytes:
        if status == 429:
            return b'{"error": "too many requests"}'  # Kalshi's 429 has its own shape
        return json_response(
            status, {"code": "error", "message": f"HTTP {status}", "details": ""}
        ).body

    def drift(self, step: int) -> None:
        """Each shard's cash (a bulk row) moves by -0.50 .. +0.50 USD from where it
        started, by step; both endpoints follow, as they answer from the same store."""
        if self._undrifted is None:
            self._undrifted = copy.deepcopy(self.shards)
        self.shards = copy.deepcopy(self._undrifted)
        held = [(n, shard) for n, shards in sorted(self.shards.items()) for shard in sorted(shards)]
        for index, (number, shard) in enumerate(held):
            delta = Decimal((step * 5 + index * 3) % 11 - 5) / 10
            dollars = Decimal(self.shards[number][shard])
            self.shards[number][shard] = str((dollars + delta).quantize(dollars))

    def vary(self, variant: int) -> None:
        factor = variant + 1
        self.shards = {
            number: {index: _times(dollars, factor) for index, dollars in held.items()}
            for number, held in self.shards.items()
        }
        self.portfolio_values = {n: cents * factor for n, cents in self.portfolio_values.items()}
        self._undrifted = None

    def client_options(self) -> dict[str, Any]:
        return {kalshi.DEFINITION.signer_option: self.signer()}

    def base_url(self, root: str) -> str:
        return root + PREFIX

    def environment(self, directory: Path) -> dict[str, str]:
        key = self._demo_key()
        path = directory / "sandbox-kalshi.pem"
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        path.touch(mode=0o600)
        path.write_bytes(pem)
        return {kalshi.KEY_ID: self.key_id or "", kalshi.PRIVATE_KEY_PATH: str(path)}

    # Keys ------------------------------------------------------------------------------------

    def signer(self, *, clock: Callable[[], int] | None = None) -> KalshiSigner:
        """A signer with the demo's throwaway key."""
        return KalshiSigner(self.key_id or "", self._demo_key(), clock=clock)

    def _demo_key(self) -> rsa.RSAPrivateKey:
        if self._private_key is None:
            raise RuntimeError("only KalshiSimulator.demo() holds a private key")
        return self._private_key

    # Answers -----------------------------------------------------------------------------------

    def _balance(self, target: str) -> Response:
        def refuse(status: int, code: str, message: str) -> Response:
            return json_response(status, {"code": code, "message": message, "details": ""})

        query = parse_qs(urlsplit(target).query, keep_blank_values=True)
        # Shard-scoped figures are not simulated: asking for them gets a plain refusal
        # rather than an answer that would look right.
        unknown = sorted(set(query) - {"subaccount"})
        if unknown:
            return refuse(400, "bad_request", f"the simulator does not take {', '.join(unknown)}")
        values = query.get("subaccount", ["0"])  # Kalshi's default: the primary
        text = values[0]
        if len(values) > 1 or not (text.isascii() and text.isdigit()):
            return refuse(400, "bad_request", "subaccount must be one integer")
        number = int(text)
        if number not in SUBACCOUNTS:
            return refuse(400, "bad_request", "subaccount must be 0-63")
        if number not in self.shards:
            return refuse(404, "not_found", f"subaccount {number} not found")
        status = self.balance_errors.get(number)
        if status is not None:
            return Response(status, self.error_body(status))
        return json_response(200, self.get_balance(number))

    def _check(self, request: Request) -> Response | None:
        def refuse(message: str) -> Response:
            return json_response(401, {"code": "unauthorized", "message": message, "details": ""})

        key_id = request.headers.get("KALSHI-ACCESS-KEY")
        stamp, signature = self.stamp(request)
        if not (key_id and stamp and signature):
            return refuse("missing authentication headers")
        if key_id != self.key_id or self.public_key is None:
            return refuse("unknown API key")
        if skewed(stamp, self._clock()):
            return refuse("request timestamp is too far from server time")
        message = f"{stamp}{request.method}{request.path}".encode()
        try:
            raw = base64.b64decode(signature, validate=True)
            key = self.public_key
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(raw, message, _PSS, hashes.SHA256())
            else:
                key.verify(raw, message)
        except (InvalidSignature, ValueError):
            return refuse("invalid signature")
        return None

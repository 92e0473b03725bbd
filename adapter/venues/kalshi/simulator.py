"""Kalshi's endpoints as a handler with no I/O (mounted by `adapter.sandbox`).

Checks each request as Kalshi does (RSA-PSS or Ed25519 over timestamp + METHOD + path
without query; a timestamp more than 60 s off is refused) and answers from `shards`: each
subaccount's cash per exchange shard, the one place every answer is derived from.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from adapter.domain import Venue
from adapter.simulation import Request, Response, json_response, skewed
from adapter.venues import kalshi
from adapter.venues.kalshi.signer import KalshiSigner

__all__ = ["SAMPLE_BALANCES", "SAMPLE_UPDATED_TS", "KalshiSimulator"]

PREFIX = "/trade-api/v2"
BULK_PATH = PREFIX + "/portfolio/subaccounts/balances"
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

# The demo's primary and two subaccounts.
SAMPLE_UPDATED_TS = 1763751540  # 2025-11-21T18:59:00Z
SAMPLE_BALANCES = {0: "1500.2500", 1: "320.75", 2: "0.123456"}


class KalshiSimulator:
    """Kalshi's balance endpoints, answering from `shards` (subaccount -> exchange_index ->
    dollars); `balances` puts each subaccount's cash on shard 0."""

    venue = Venue.KALSHI

    def __init__(
        self,
        *,
        key_id: str | None = None,
        public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey | None = None,
        balances: Mapping[int, str] | None = None,
        shards: Mapping[int, Mapping[int, str]] | None = None,
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
        self.updated_ts = SAMPLE_UPDATED_TS
        self.verify = True
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._private_key: rsa.RSAPrivateKey | None = None

    @classmethod
    def demo(cls) -> KalshiSimulator:
        """The sample balances, and a throwaway RSA key to sign with (`client_options`)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        simulator = cls(key_id="sandbox-key", public_key=key.public_key(), balances=SAMPLE_BALANCES)
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
            for index, dollars in held.items()
        ]

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
        return json_response(
            404, {"code": "not_found", "message": f"no such endpoint: {request.path}"}
        )

    def error_body(self, status: int) -> bytes:
        if status == 429:
            return b'{"error": "too many requests"}'  # Kalshi's 429 has its own shape
        return json_response(
            status, {"code": "error", "message": f"HTTP {status}", "details": ""}
        ).body

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

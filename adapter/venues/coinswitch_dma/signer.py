"""CoinSwitch DMA request signing.

String to sign (UTF-8, no separators), per
https://api-trading.coinswitch.co/get-started/authentication:

    <METHOD> + <path with query string as sent, URL-decoded like unquote_plus> + <epoch ms>

e.g. ``GET/dma/api/v1/master/subaccount/balance?subaccount_id=10011719905777483``. The
signature is Ed25519 over those bytes, hex-encoded, sent with ``X-AUTH-APIKEY`` (the hex
public key), ``X-AUTH-SIGNATURE``, ``X-AUTH-EPOCH`` and ``Content-Type: application/json``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from urllib.parse import unquote_plus

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519

__all__ = ["CoinSwitchSigner", "sign", "string_to_sign"]

from adapter.domain import Venue
from adapter.errors import CredentialsError

_HEX_32_BYTES = re.compile(r"[0-9a-fA-F]{64}")


def string_to_sign(method: str, path_with_query: str, epoch_ms: int) -> str:
    """CoinSwitch's message: upper-case method, decoded path with query, epoch."""
    return f"{method.upper()}{unquote_plus(path_with_query)}{epoch_ms}"


def sign(
    *,
    private_key: ed25519.Ed25519PrivateKey,
    api_key: str,
    method: str,
    path_with_query: str,
    epoch_ms: int,
) -> dict[str, str]:
    """The CoinSwitch auth headers for one request."""
    message = string_to_sign(method, path_with_query, epoch_ms).encode("utf-8")
    return {
        "X-AUTH-APIKEY": api_key,
        "X-AUTH-SIGNATURE": private_key.sign(message).hex(),
        "X-AUTH-EPOCH": str(epoch_ms),
        "Content-Type": "application/json",
    }


def _unix_ms() -> int:
    return time.time_ns() // 1_000_000


class CoinSwitchSigner(httpx.Auth):
    """Signs every CoinSwitch DMA request afresh with the master account's Ed25519 key."""

    def __init__(
        self, api_key_hex: str, secret_key_hex: str, *, clock: Callable[[], int] | None = None
    ) -> None:
        secret = _hex_key(secret_key_hex, "secret key (a 32-byte Ed25519 seed)")
        api_key = _hex_key(api_key_hex, "API key (the Ed25519 public key)")
        self._key = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
        public = self._key.public_key().public_bytes_raw()
        if public != api_key:
            raise CredentialsError(
                "the CoinSwitch API key is not the public key of the secret key: check that"
                " both come from the same key pair",
                venue=Venue.COINSWITCH_DMA,
            )
        self.api_key = public.hex()
        self._clock = clock or _unix_ms

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = sign(
            private_key=self._key,
            api_key=self.api_key,
            method=request.method,
            path_with_query=request.url.raw_path.decode("ascii"),
            epoch_ms=self._clock(),
        )
        for name, value in headers.items():  # cheaper than Headers.update, same effect
            request.headers[name] = value
        yield request

    def __repr__(self) -> str:
        return f"CoinSwitchSigner(api_key={self.api_key[:8]}..., key=Ed25519)"

    __str__ = __repr__


def _hex_key(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise CredentialsError(
            f"the CoinSwitch {what} must be a hex string", venue=Venue.COINSWITCH_DMA
        )
    value = value.strip()
    if not _HEX_32_BYTES.fullmatch(value):
        problem = (
            f"has {len(value)} characters"
            if len(value) != 64
            else "contains characters that are not hex digits"
        )
        raise CredentialsError(
            f"the CoinSwitch {what} must be 64 hex characters, but it {problem}",
            venue=Venue.COINSWITCH_DMA,
        )
    return bytes.fromhex(value)

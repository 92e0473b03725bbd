"""Kalshi request signing.

String to sign (UTF-8, no separators), per https://docs.kalshi.com/getting_started/api_keys:

    <Unix time in milliseconds> + <METHOD> + <path as sent, from /trade-api/v2, without query>

e.g. ``1703123456789GET/trade-api/v2/portfolio/subaccounts/balances``. RSA keys sign with
RSA-PSS over SHA-256, MGF1-SHA-256 and a 32-byte salt; Ed25519 keys sign the same message.
The signature goes out in standard base64 with the key id and the timestamp:
``KALSHI-ACCESS-KEY``, ``KALSHI-ACCESS-SIGNATURE``, ``KALSHI-ACCESS-TIMESTAMP``.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from adapter.domain import Venue

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import padding
from adapter.errors import CredentialsError

__all__ = ["KalshiSigner", "sign", "string_to_sign"]

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
MIN_RSA_BITS = 2048
_KEY_ID = re.compile(r"[!-~]{1,200}")  # printable ASCII, no spaces: it goes into a header


def string_to_sign(timestamp_ms: int, method: str, path: str) -> str:
    """Kalshi's message: timestamp, upper-case method and path (no query string)."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}"


def sign(
    *, private_key: PrivateKey, key_id: str, timestamp_ms: int, method: str, path: str
) -> dict[str, str]:
    """The three Kalshi auth headers for one request."""
    message = string_to_sign(timestamp_ms, method, path).encode()
    if isinstance(private_key, rsa.RSAPrivateKey):
        signature = private_key.sign(message, _pss(), hashes.SHA256())
    else:
        signature = private_key.sign(message)
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode("ascii"),
        "KALSHI-ACCESS-TIMESTAMP": str(timestamp_ms),
    }


@functools.cache
def _pss() -> padding.PSS:
    """RSA-PSS with MGF1-SHA-256 and a salt as long as the digest (built on first use:
    cryptography's padding module is not needed to import the package)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def _unix_ms() -> int:
    return time.time_ns() // 1_000_000


class KalshiSigner(httpx.Auth):
    """Signs every Kalshi request afresh with the account's RSA or Ed25519 key."""

    def __init__(
        self, key_id: str, private_key: PrivateKey, *, clock: Callable[[], int] | None = None
    ) -> None:
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
            raise CredentialsError(
                "Kalshi API key id must be 1-200 printable characters without spaces",
                venue=Venue.KALSHI,
            )
        if isinstance(private_key, rsa.RSAPrivateKey):
            if private_key.key_size < MIN_RSA_BITS:
                raise CredentialsError(
                    f"Kalshi RSA key has {private_key.key_size} bits; at least {MIN_RSA_BITS}"
                    " are required",
                    venue=Venue.KALSHI,
                )
            self._kind = f"RSA-{private_key.key_size}"
        elif isinstance(private_key, ed25519.Ed25519PrivateKey):
            self._kind = "Ed25519"
        else:
            raise CredentialsError(
                f"Kalshi keys are RSA or Ed25519, not {type(private_key).__name__}",
                venue=Venue.KALSHI,
            )
        self.key_id = key_id
        self._key = private_key
        self._clock = clock or _unix_ms

    @classmethod
    def from_pem(
        cls,
        key_id: str,
        pem: str | bytes,
        password: str | bytes | None = None,
        *,
        clock: Callable[[], int] | None = None,
    ) -> KalshiSigner:
        """From a PEM private key (PKCS#1 or PKCS#8, optionally encrypted)."""
        return cls(key_id, _load_pem(pem, password), clock=clock)

    @classmethod
    def from_file(
        cls,
        key_id: str,
        path: str | os.PathLike[str],
        password: str | bytes | None = None,
        *,
        clock: Callable[[], int] | None = None,
    ) -> KalshiSigner:
        """From a PEM private key file (PKCS#1 or PKCS#8, optionally encrypted)."""
        if not isinstance(path, str | os.PathLike):  # an int would be read as a descriptor
            raise CredentialsError(
                f"the Kalshi private key path must be a str or path, not {type(path).__name__}",
                venue=Venue.KALSHI,
            )
        try:
            with open(path, "rb") as file:
                pem = file.read()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or "not a usable file name"
            # Raised below, outside this block: the OSError, whose filename may be key
            # material pasted as a path, is not kept as the error's __context__.
        else:
            return cls(key_id, _load_pem(pem, password), clock=clock)
        raise CredentialsError(
            f"cannot read the Kalshi private key file {_shown_path(path)}: {reason}",
            venue=Venue.KALSHI,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.decode("ascii")
        headers = sign(
            private_key=self._key,
            key_id=self.key_id,
            timestamp_ms=self._clock(),
            method=request.method,
            path=path,
        )
        for name, value in headers.items():  # cheaper than Headers.update, same effect
            request.headers[name] = value
        yield request

    def __repr__(self) -> str:
        return f"KalshiSigner(key_id={self.key_id!r}, key={self._kind})"

    __str__ = __repr__


def _shown_path(path: str | os.PathLike[str]) -> str:
    """The path for a message, unless it could be key material pasted in its place.

    Shown only if it reads like a file name: its last part has an extension, or its
    directory exists. Base64 and hex have no dots, and a pasted key's "directory" (what
    comes before a "/" of base64) does not exist.
    """
    text = os.fspath(path)
    directory, name = os.path.split(text)
    plausible = "." in name or (bool(directory) and os.path.isdir(directory))
    if not plausible or "-----" in text or not text.isprintable() or len(text) > 300:
        return "(not shown: the value does not look like a file name and may be key material)"
    return repr(text)


def _load_pem(pem: str | bytes, password: str | bytes | None) -> PrivateKey:
    if not isinstance(pem, str | bytes) or not isinstance(password, str | bytes | None):
        raise CredentialsError(
            "the Kalshi private key and its password must be str or bytes", venue=Venue.KALSHI
        )
    data = pem.encode() if isinstance(pem, str) else pem
    secret = password.encode() if isinstance(password, str) else password
    encrypted = b"ENCRYPTED" in data
    if b"-----BEGIN" not in data:
        problem = "is not a PEM private key (expected a -----BEGIN ... PRIVATE KEY----- block)"
    elif b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        problem = "is a public key; Kalshi requests are signed with the private key"
    elif encrypted and not secret:
        problem = "is encrypted and no password was given"
    elif secret and not encrypted:
        problem = "is not encrypted, but a password was given"
    else:
        try:
            from cryptography.hazmat.primitives import serialization

            key = serialization.load_pem_private_key(data, password=secret)
        except (ValueError, TypeError):
            # cryptography's message is generic; never chain it (the traceback would show
            # nothing secret, but a message that names no secret is all we need).
            problem = (
                "could not be decrypted: wrong password?"
                if encrypted
                else "could not be parsed as an RSA or Ed25519 private key"
            )
        except UnsupportedAlgorithm:
            problem = "uses an unsupported key algorithm"
        else:
            if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
                return key
            problem = (
                f"is a {type(key).__name__.removeprefix('_')} key; Kalshi takes RSA or Ed25519"
            )
    raise CredentialsError(f"the Kalshi private key {problem}", venue=Venue.KALSHI)

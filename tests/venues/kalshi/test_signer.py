"""Kalshi's signer: the exact string to sign, RSA-PSS (and Ed25519) verified, key material
loaded or refused without showing it, and one signature per attempt."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from venue_balances_kalshi.api.portfolio import get_subaccount_balances

import adapter
from adapter.venues.kalshi import signer as kalshi
from tests.fake_venues import FIXED_MS, signed, verify_kalshi


def test_kalshi_string_to_sign() -> None:
    assert kalshi.string_to_sign(1703123456789, "get", "/trade-api/v2/portfolio/orders") == (
        "1703123456789GET/trade-api/v2/portfolio/orders"
    )
    assert kalshi.string_to_sign(1, "GET", "/trade-api/v2/portfolio/balance?subaccount=3") == (
        "1GET/trade-api/v2/portfolio/balance"
    )


def test_kalshi_signature_verifies_with_stated_pss_parameters(rsa_key: rsa.RSAPrivateKey) -> None:
    signer = adapter.KalshiSigner("key-id", rsa_key, clock=lambda: FIXED_MS)
    request = signed(signer, httpx.Request("GET", "https://h/trade-api/v2/portfolio/orders?x=1"))
    assert request.headers["KALSHI-ACCESS-KEY"] == "key-id"
    assert request.headers["KALSHI-ACCESS-TIMESTAMP"] == str(FIXED_MS)
    signature = base64.b64decode(request.headers["KALSHI-ACCESS-SIGNATURE"], validate=True)
    message = f"{FIXED_MS}GET/trade-api/v2/portfolio/orders".encode()
    rsa_key.public_key().verify(
        signature,
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    # Not the salt of "maximum length", which some libraries default to.
    with pytest.raises(InvalidSignature):
        rsa_key.public_key().verify(
            signature,
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=64),
            hashes.SHA256(),
        )
    # The query string is not part of the message.
    with pytest.raises(InvalidSignature):
        rsa_key.public_key().verify(
            signature,
            message + b"?x=1",
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )


def test_kalshi_signs_the_base_path_once(rsa_key: rsa.RSAPrivateKey) -> None:
    seen: list[str] = []
    signer = adapter.KalshiSigner("key-id", rsa_key, clock=lambda: FIXED_MS)
    for base in ("https://demo-api.kalshi.co/trade-api/v2", "https://h/trade-api/v2/"):
        with httpx.Client(base_url=base, auth=signer) as http:
            request = http.build_request(**get_subaccount_balances._get_kwargs())
            request = signed(signer, request)
            seen.append(request.url.path)
            verify_kalshi(request, rsa_key.public_key())
    assert seen == ["/trade-api/v2/portfolio/subaccounts/balances"] * 2


def test_kalshi_ed25519_key_signs_the_same_message() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    signer = adapter.KalshiSigner("key-id", key, clock=lambda: FIXED_MS)
    request = signed(signer, httpx.Request("GET", "https://h/trade-api/v2/portfolio/balance?a=b"))
    key.public_key().verify(
        base64.b64decode(request.headers["KALSHI-ACCESS-SIGNATURE"]),
        f"{FIXED_MS}GET/trade-api/v2/portfolio/balance".encode(),
    )
    assert repr(signer) == "KalshiSigner(key_id='key-id', key=Ed25519)"


def pem(key: Any, fmt: serialization.PrivateFormat, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data: bytes = key.private_bytes(serialization.Encoding.PEM, fmt, encryption)
    return data


@pytest.mark.parametrize(
    ("fmt", "password"),
    [
        (serialization.PrivateFormat.TraditionalOpenSSL, None),
        (serialization.PrivateFormat.PKCS8, None),
        (serialization.PrivateFormat.PKCS8, b"hunter2"),
        (serialization.PrivateFormat.TraditionalOpenSSL, b"hunter2"),
    ],
    ids=["pkcs1", "pkcs8", "pkcs8-encrypted", "pkcs1-encrypted"],
)
def test_kalshi_loads_pkcs1_and_pkcs8(
    rsa_key: rsa.RSAPrivateKey,
    tmp_path: Path,
    fmt: serialization.PrivateFormat,
    password: bytes | None,
) -> None:
    data = pem(rsa_key, fmt, password)
    if fmt is serialization.PrivateFormat.TraditionalOpenSSL and not password:
        assert data.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    from_pem = adapter.KalshiSigner.from_pem("key-id", data, password)
    path = tmp_path / "key.pem"
    path.write_bytes(data)
    from_file = adapter.KalshiSigner.from_file(
        "key-id", path, password.decode() if password else None
    )
    for signer in (from_pem, from_file):
        request = signed(signer, httpx.Request("GET", "https://h/trade-api/v2/x"))
        verify_kalshi(request, rsa_key.public_key())


@pytest.fixture(scope="module")
def small_rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return pem(key, serialization.PrivateFormat.PKCS8)


def test_kalshi_bad_key_material(
    rsa_key: rsa.RSAPrivateKey, small_rsa_pem: bytes, tmp_path: Path
) -> None:
    good = pem(rsa_key, serialization.PrivateFormat.PKCS8)
    locked = pem(rsa_key, serialization.PrivateFormat.PKCS8, b"right-password")
    ec_pem = pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8)
    cases = [
        (lambda: adapter.KalshiSigner.from_pem("id", b"not a key at all"), "not a PEM"),
        (
            lambda: adapter.KalshiSigner.from_pem("id", good[:200] + good[-40:]),
            "could not be parsed",
        ),
        (lambda: adapter.KalshiSigner.from_pem("id", locked), "encrypted and no password"),
        (lambda: adapter.KalshiSigner.from_pem("id", locked, "wrong"), "wrong password"),
        (lambda: adapter.KalshiSigner.from_pem("id", good, "unneeded"), "not encrypted"),
        (lambda: adapter.KalshiSigner.from_pem("id", small_rsa_pem), "1024 bits"),
        (lambda: adapter.KalshiSigner.from_pem("id", ec_pem), "Kalshi takes RSA or Ed25519"),
        (lambda: adapter.KalshiSigner.from_file("id", tmp_path / "missing.pem"), "cannot read"),
        (lambda: adapter.KalshiSigner.from_pem("bad id with spaces", good), "key id"),
        (lambda: adapter.KalshiSigner.from_pem("", good), "key id"),
    ]
    body = b"".join(good.splitlines()[1:-1]).decode()
    for make, complaint in cases:
        with pytest.raises(adapter.CredentialsError) as caught:
            make()
        message = str(caught.value)
        assert complaint in message, message
        assert caught.value.venue == "kalshi"
        assert body[:24] not in message and "right-password" not in message


def test_kalshi_repr_hides_the_key(rsa_key: rsa.RSAPrivateKey, rsa_pem: bytes) -> None:
    signer = adapter.KalshiSigner.from_pem("key-id", rsa_pem)
    body = b"".join(rsa_pem.splitlines()[1:-1]).decode()
    for text in (repr(signer), str(signer)):
        assert text == "KalshiSigner(key_id='key-id', key=RSA-2048)"
        assert body[:16] not in text


# One signature per attempt ----------------------------------------------------------------


def test_one_signature_per_attempt_and_a_fresh_one_on_retry(rsa_key: rsa.RSAPrivateKey) -> None:
    clock_calls: list[int] = []

    def clock() -> int:
        clock_calls.append(1)
        return FIXED_MS + len(clock_calls)

    stamps: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        verify_kalshi(request, rsa_key.public_key())
        stamps.append(request.headers["KALSHI-ACCESS-TIMESTAMP"])
        if len(stamps) < 3:
            return httpx.Response(429, json={"error": "too many requests"})
        return httpx.Response(200, json={"subaccount_balances": []})

    client = adapter.BalanceClient(
        kalshi=adapter.KalshiSigner("key-id", rsa_key, clock=clock),
        kalshi_base_url="https://kalshi.test/trade-api/v2",
        retry_base_delay=0.001,
        transport=httpx.MockTransport(handler),
    )
    with client:
        assert client.kalshi_balances() == []
    assert len(stamps) == 3
    assert len(clock_calls) == 3, "exactly one signature per HTTP attempt"
    assert len(set(stamps)) == 3, "every attempt is signed afresh"


def test_pasted_key_material_is_not_echoed_as_a_path(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    body = "".join(pem.splitlines()[1:-1])
    secret = key.private_bytes_raw().hex()
    for pasted in (body, secret, pem, body.replace("/", "x")):
        with pytest.raises(adapter.CredentialsError) as caught:
            adapter.KalshiSigner.from_file("key-id", pasted)
        assert pasted not in str(caught.value) and body[:16] not in str(caught.value)
        assert "not shown" in str(caught.value)
    for path in ("kalshi.pem", str(tmp_path / "kalshi"), str(tmp_path / "missing" / "k.pem")):
        with pytest.raises(adapter.CredentialsError) as caught:
            adapter.KalshiSigner.from_file("key-id", path)
        assert repr(path) in str(caught.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: adapter.KalshiSigner.from_file("key-id", "a\x00b"),
        lambda: adapter.KalshiSigner.from_file("key-id", 0),  # would be stdin
        lambda: adapter.KalshiSigner.from_file("key-id", 12345678),
        lambda: adapter.KalshiSigner.from_pem("key-id", None),
        lambda: adapter.KalshiSigner.from_pem("key-id", "x", 5),
    ],
    ids=["nul-byte", "descriptor", "int", "none-pem", "int-password"],
)
def test_odd_key_arguments_are_credentials_errors(make: Any) -> None:
    with pytest.raises(adapter.CredentialsError):
        make()

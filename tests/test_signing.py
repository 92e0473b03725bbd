"""Signing: exact strings to sign, known answers, verification, and key handling."""

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
from adapter.venues.coinswitch_dma import signer as coinswitch
from adapter.venues.kalshi import signer as kalshi
from tests.fake_venues import CS_PUBLIC, CS_SECRET, FIXED_MS, verify_kalshi

# facts/coinswitch-dma.md section 2.4: RFC 8032 TEST 1 key, epoch 1719905777483.
VECTORS = [
    (
        "/trade/api/v2/time",
        "bc94df6a14d69927f0387bde81be88de8d4068ed125b9defd38f34f31f9019cb"
        "4313ee7f3aa862f9b02277879889e428a6994b1655e95a1ae12a8967dce92f07",
    ),
    (
        "/dma/api/v1/master/balance",
        "9767744fe20f69b6bd825c8b4ce045e5991b6f6957f5404c689432f3dc8ab5b5"
        "9f44066b8a340f11c767d9c9bedad2d5a4846ca04c5161ab1d5d61a542920e09",
    ),
    (
        "/dma/api/v1/master/subaccount/balance?subaccount_id=1001",
        "633688b771058b2c34f3adc84857ee4db2e4d37bb031fc5cc9104ad7f8c8913e"
        "2a793b17859e26dff3bc6d00ad4a9c94453bac0cca48b0e28ac189f010568409",
    ),
    (
        "/dma/api/v1/master/balance/consolidated",
        "9249774d111e5d8388076670c718c82fd5b7cb8b7c9e50960e35bdf43f74fef0"
        "b677b9d4ff0c0717f09fbe3c69c64f1e25717641bd45df70ece908a5f092db0e",
    ),
    (
        "/dma/api/v1/master/subaccounts",
        "57758be2e1d5a70a3dffab8103867982ecdbaa1da4075f40d276c34ac18b6efd"
        "bbc845f93e7950c83e5e58c9f4e2dc89dbbed60e91b7ec2bd8791dafc95ab604",
    ),
]


def signed(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    flow = auth.auth_flow(request)
    out = next(flow)
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    return out


# CoinSwitch -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "signature"), VECTORS)
def test_coinswitch_known_answer(path: str, signature: str) -> None:
    signer = adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET, clock=lambda: FIXED_MS)
    request = signed(signer, httpx.Request("GET", "https://dma.coinswitch.co" + path))
    assert request.headers["X-AUTH-SIGNATURE"] == signature
    assert request.headers["X-AUTH-APIKEY"] == CS_PUBLIC
    assert request.headers["X-AUTH-EPOCH"] == str(FIXED_MS)
    assert request.headers["Content-Type"] == "application/json"


def test_coinswitch_post_vector_and_message_has_no_separators() -> None:
    path = "/dma/api/v1/master/transfer"
    assert coinswitch.string_to_sign("post", path, FIXED_MS) == f"POST{path}{FIXED_MS}"
    request = signed(
        adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET, clock=lambda: FIXED_MS),
        httpx.Request("POST", "https://dma.coinswitch.co" + path, json={"amount": 1}),
    )
    assert request.headers["X-AUTH-SIGNATURE"] == (
        "0b359107e194018bdb72da78d70e52dfa1659d3a8e9e760ef8c7efe060d40391"
        "532da445e8ecc7159612d09ec622c786c7807be8f4d249ce7042ca918662bf08"
    )


def test_coinswitch_signs_the_query_decoded() -> None:
    raw = "/trade/api/v2/orders?symbols=btc%2Finr%2Ceth%2Finr&side=sell+x"
    assert coinswitch.string_to_sign("GET", raw, 1) == (
        "GET/trade/api/v2/orders?symbols=btc/inr,eth/inr&side=sell x1"
    )
    request = signed(
        adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET, clock=lambda: FIXED_MS),
        httpx.Request("GET", "https://dma.coinswitch.co" + raw),
    )
    message = f"GET/trade/api/v2/orders?symbols=btc/inr,eth/inr&side=sell x{FIXED_MS}"
    key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(CS_PUBLIC))
    key.verify(bytes.fromhex(request.headers["X-AUTH-SIGNATURE"]), message.encode())


def test_coinswitch_signs_what_httpx_encodes_on_the_wire() -> None:
    # The client passes params={"subaccount_id": ...}; the signature must cover the
    # query exactly as httpx puts it on the wire.
    signer = adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET, clock=lambda: FIXED_MS)
    request = signed(
        signer,
        httpx.Request(
            "GET",
            "https://dma.coinswitch.co/dma/api/v1/master/subaccount/balance",
            params={"subaccount_id": 1001},
        ),
    )
    assert request.url.raw_path == b"/dma/api/v1/master/subaccount/balance?subaccount_id=1001"
    assert request.headers["X-AUTH-SIGNATURE"] == VECTORS[2][1]


@pytest.mark.parametrize(
    ("api_key", "secret", "complaint"),
    [
        (CS_PUBLIC, CS_SECRET[:-2], "has 62 characters"),
        (CS_PUBLIC, CS_SECRET[:-1] + "g", "not hex digits"),
        (CS_PUBLIC, "", "has 0 characters"),
        (CS_PUBLIC[:-2] + "00", CS_SECRET, "not the public key of the secret key"),
        ("zz" * 32, CS_SECRET, "not hex digits"),
    ],
)
def test_coinswitch_bad_keys(api_key: str, secret: str, complaint: str) -> None:
    with pytest.raises(adapter.CredentialsError) as caught:
        adapter.CoinSwitchSigner(api_key, secret)
    assert complaint in str(caught.value)
    assert caught.value.venue == "coinswitch_dma"
    for part in (CS_SECRET, CS_SECRET[:16], secret[:16] if secret else "x" * 99):
        assert part not in str(caught.value)


def test_coinswitch_accepts_upper_case_and_surrounding_whitespace() -> None:
    signer = adapter.CoinSwitchSigner(CS_PUBLIC.upper(), f"  {CS_SECRET.upper()}\n")
    assert signer.api_key == CS_PUBLIC


def test_coinswitch_repr_hides_the_secret() -> None:
    signer = adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET)
    for text in (repr(signer), str(signer)):
        assert CS_SECRET not in text and CS_SECRET[:8] not in text
        assert "CoinSwitchSigner" in text


# Kalshi -----------------------------------------------------------------------------------


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

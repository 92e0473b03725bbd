"""CoinSwitch DMA's signer: known answers (RFC 8032 key), the message as sent, key handling."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

import adapter
from adapter.venues.coinswitch_dma import signer as coinswitch
from tests.fake_venues import CS_PUBLIC, CS_SECRET, FIXED_MS, signed

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

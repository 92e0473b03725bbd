"""Shared fixtures: keys, signers, and a strict in-memory stand-in for both venues."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import adapter
from adapter.sandbox import Sandbox
from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator
from adapter.venues.simulation import request_from_httpx

# RFC 8032 section 7.1, TEST 1 (facts/coinswitch-dma.md section 2.4).
CS_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
CS_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
FIXED_MS = 1719905777483

KALSHI_PATH = "/trade-api/v2/portfolio/subaccounts/balances"
KALSHI_BALANCE_PATH = "/trade-api/v2/portfolio/balance"
CS_PATH = "/dma/api/v1/master/subaccount/balance"
KALSHI_URL = "https://kalshi.test/trade-api/v2"
CS_URL = "https://coinswitch.test"


REQUIRE_TOOLS = "VENUE_BALANCES_REQUIRE_TOOLS"


@pytest.fixture(scope="session")
def require_tool() -> Callable[..., str]:
    """`require_tool("promtool", package="prometheus")`: the path of an outside tool, or
    the test is skipped without it; under VENUE_BALANCES_REQUIRE_TOOLS=1 (`.ci/run` sets it
    after installing them) it fails instead, so CI never passes by skipping. A fixture here,
    not a helper in tests/unattended/conftest.py: without `__init__.py` files a second
    conftest module takes the name `conftest` from this one and breaks every
    `from conftest import ...` collected after it."""

    def require(name: str, package: str | None = None) -> str:
        path = shutil.which(name)
        if path is None:
            why = f"{name} is not installed (Debian: apt-get install --no-install-recommends"
            why += f" {package or name})"
            if os.environ.get(REQUIRE_TOOLS) == "1":
                pytest.fail(f"{why}, and {REQUIRE_TOOLS}=1 requires it")
            pytest.skip(why)
        return path

    return require


@pytest.fixture(scope="module")
def demo() -> Iterator[Sandbox]:
    """The built-in sandbox with its throwaway keys and sample balances (one per module)."""
    with Sandbox.demo() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(demo: Sandbox) -> Sandbox:
    """The module's sandbox, idle, with counters, faults and latency reset."""
    assert demo.wait_idle(), "a request of an earlier test is still being answered"
    demo.reset()
    return demo


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rsa_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


@pytest.fixture
def kalshi_signer(rsa_key: rsa.RSAPrivateKey) -> adapter.KalshiSigner:
    return adapter.KalshiSigner("kalshi-key-id", rsa_key)


@pytest.fixture
def cs_signer() -> adapter.CoinSwitchSigner:
    return adapter.CoinSwitchSigner(CS_PUBLIC, CS_SECRET)


def kalshi_row(number: int, balance: str, ts: int = 1763751540, **extra: Any) -> dict[str, Any]:
    """A SubaccountBalance row, on exchange_index 0 unless `exchange_index` is given (`...`
    leaves the key out, as rows of spec 3.8.0 did)."""
    row = {"subaccount_number": number, "balance": balance, "updated_ts": ts, "exchange_index": 0}
    row.update(extra)
    return {key: value for key, value in row.items() if value is not ...}


def cs_body(subaccount_id: int, total: str = "5000.00", **data: Any) -> dict[str, Any]:
    """The documented 200 body of Get Subaccount Balance, for one subaccount."""
    body: dict[str, Any] = {
        "subaccount_id": subaccount_id,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {
            "totalEquity": total,
            "totalEquityINR": "422500.00",
            "coin": [
                {
                    "coin": "USDT",
                    "equity": total,
                    "equityINR": "422500.00",
                    "walletBalance": total,
                    "walletBalanceINR": "422500.00",
                }
            ],
        },
        "is_active": True,
    }
    body.update(data)
    return {"message": "success", "data": body}


def edited(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of body with the value at a dotted path ("data.coin.0.equity") replaced,
    or the key deleted when value is `...`."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return body


def verify_kalshi(request: httpx.Request, public_key: rsa.RSAPublicKey) -> None:
    """Check a Kalshi request's signature with the Kalshi simulator's own check."""
    stamp = int(request.headers["KALSHI-ACCESS-TIMESTAMP"])
    key_id = request.headers["KALSHI-ACCESS-KEY"]
    simulator = KalshiSimulator(key_id=key_id, public_key=public_key, clock=lambda: stamp)
    refusal = simulator.refuse(request_from_httpx(request))
    assert refusal is None, refusal.body


def verify_coinswitch(request: httpx.Request) -> None:
    """Check a CoinSwitch request's signature with the CoinSwitch simulator's own check."""
    epoch = int(request.headers["X-AUTH-EPOCH"])
    simulator = CoinSwitchSimulator(api_keys=[CS_PUBLIC], clock=lambda: epoch)
    refusal = simulator.refuse(request_from_httpx(request))
    assert refusal is None, refusal.body


Responder = Callable[[httpx.Request], httpx.Response]

# What must never reach a terminal from a venue: C0 controls (a line end of our own
# aside), DEL, C1, the Unicode bidi controls, and the Unicode line/paragraph separators.
UNPRINTABLE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

# Figures for the README's Reliability section, printed at the end of a test run.
TALLY: dict[str, int] = {}


def tally(what: str, count: int = 1) -> None:
    """Count something a test tried and survived (printed in the terminal summary)."""
    TALLY[what] = TALLY.get(what, 0) + count


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY:
        figures = ", ".join(f"{what}: {count}" for what, count in sorted(TALLY.items()))
        # Each of those tests fails on a wrong number or on an exception other than an
        # AdapterError leaving the public API, so a clean run means none happened.
        failed = len(terminalreporter.stats.get("failed", []))
        verdict = "wrong numbers: 0, other exceptions escaping: 0" if not failed else "FAILED"
        terminalreporter.write_line(f"reliability figures: {figures}; {verdict}")


class FakeVenues:
    """An httpx handler for both venues that verifies every signature (with the venues'
    simulators) and refuses any request it was not told to expect. Set `kalshi` (the bulk
    endpoint), `kalshi_balance[n]` (GetBalance of subaccount n) or `coinswitch[id]` to a
    body (JSON-able) or a responder; every request is recorded in `requests`."""

    def __init__(self, rsa_public: rsa.RSAPublicKey) -> None:
        self.rsa_public = rsa_public
        self.kalshi: Any = None
        self.kalshi_balance: dict[int, Any] = {}
        self.coinswitch: dict[int, Any] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method != "GET":
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if request.url.host == "kalshi.test" and request.url.path == KALSHI_PATH:
            verify_kalshi(request, self.rsa_public)
            answer = self.kalshi
        elif request.url.host == "kalshi.test" and request.url.path == KALSHI_BALANCE_PATH:
            verify_kalshi(request, self.rsa_public)
            answer = self.kalshi_balance.get(int(request.url.params["subaccount"]))
        elif request.url.host == "coinswitch.test" and request.url.path == CS_PATH:
            verify_coinswitch(request)
            subaccount = int(request.url.params["subaccount_id"])
            answer = self.coinswitch.get(subaccount)
        else:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if answer is None:
            raise AssertionError(f"no answer prepared for {request.url}")
        if callable(answer):
            return answer(request)
        return httpx.Response(
            200, content=json.dumps(answer), headers={"content-type": "application/json"}
        )


@pytest.fixture
def venues(rsa_key: rsa.RSAPrivateKey) -> FakeVenues:
    return FakeVenues(rsa_key.public_key())


@pytest.fixture
def client_options(
    kalshi_signer: adapter.KalshiSigner, cs_signer: adapter.CoinSwitchSigner, venues: FakeVenues
) -> dict[str, Any]:
    """Both venues on the fake, limiters off, backoff in milliseconds."""
    return {
        "kalshi": kalshi_signer,
        "coinswitch": cs_signer,
        "kalshi_base_url": KALSHI_URL,
        "coinswitch_base_url": CS_URL,
        "kalshi_rate_limit": None,
        "coinswitch_rate_limit": None,
        "retry_base_delay": 0.001,
        "retry_max_delay": 0.005,
        "transport": httpx.MockTransport(venues),
    }


@pytest.fixture
def make_client(client_options: dict[str, Any]) -> Callable[..., adapter.BalanceClient]:
    return lambda **options: adapter.BalanceClient(**{**client_options, **options})


@pytest.fixture
def make_async_client(
    client_options: dict[str, Any],
) -> Callable[..., adapter.AsyncBalanceClient]:
    return lambda **options: adapter.AsyncBalanceClient(**{**client_options, **options})

"""Fixtures every test may use: the sandbox, keys and signers, and clients over `FakeVenues`;
and the run's summary line of reliability figures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import adapter
from adapter.sandbox import Sandbox
from tests.fake_venues import CS_PUBLIC, CS_SECRET, CS_URL, KALSHI_URL, FakeVenues
from tests.reliability import TALLY

# No test reads the accounts file, or writes the history, of whoever runs the suite: the
# user configuration and data directories are a throwaway folder's, for this process and
# every command it starts.
_HOME = tempfile.mkdtemp(prefix="venue-balances-tests-")
atexit.register(shutil.rmtree, _HOME, True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, "data")
os.environ.pop("VENUE_BALANCES_CONFIG", None)

REQUIRE_TOOLS = "VENUE_BALANCES_REQUIRE_TOOLS"


@pytest.fixture(scope="session")
def require_tool() -> Callable[..., str]:
    """`require_tool("promtool", package="prometheus")`: the path of an outside tool, or
    the test is skipped without it; under VENUE_BALANCES_REQUIRE_TOOLS=1 (`.ci/run` sets it
    after installing them) it fails instead, so CI never passes by skipping."""

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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY:
        figures = ", ".join(f"{what}: {count}" for what, count in sorted(TALLY.items()))
        # Each of those tests fails on a wrong number or on an exception other than an
        # AdapterError leaving the public API, so a clean run means none happened.
        failed = len(terminalreporter.stats.get("failed", []))
        verdict = "wrong numbers: 0, other exceptions escaping: 0" if not failed else "FAILED"
        terminalreporter.write_line(f"reliability figures: {figures}; {verdict}")


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

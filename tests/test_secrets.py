"""No key material ever shows: not in output, logs at DEBUG, reprs, messages or tracebacks.

Every run below, successful or failing, is captured whole and searched for the private
keys in every encoding we can think of: PEM text and its lines, DER in hex and base64,
raw key bytes in hex (both cases), base64, urlsafe base64 and Python's bytes repr, the RSA
private exponent, the CoinSwitch hex seed, and the PEM password.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import adapter
from adapter.sandbox import Fault, Sandbox
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS, CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator

BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"


def encodings(raw: bytes) -> list[str]:
    return [
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        repr(raw)[2:-1],
    ]


def needles_for_rsa(key: rsa.RSAPrivateKey) -> list[str]:
    found = []
    for fmt in (serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8):
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        body = pem.decode().splitlines()[1:-1]
        found += [line for line in body if len(line) >= 20]
        found.append("".join(body))
        der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
        found += encodings(der)
    numbers = key.private_numbers()
    found += [str(numbers.d), format(numbers.d, "x"), format(numbers.p, "x")]
    return found


def needles_for_ed25519(key: ed25519.Ed25519PrivateKey) -> list[str]:
    raw = key.private_bytes_raw()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return [*encodings(raw), "".join(pem.decode().splitlines()[1:-1])]


def assert_clean(text: str, needles: list[str]) -> None:
    assert text, "nothing was captured: the test would prove nothing"
    for needle in needles:
        # Long needles are searched whole; short ones (raw hex pieces) by their first 16.
        probe = needle if len(needle) < 32 else needle[:32]
        if probe in text:
            at = text.index(probe)
            context = text[max(0, at - 300) : at].replace(probe, "<KEY>")
            raise AssertionError(f"key material in output after: ...{context}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A sandbox that knows a Kalshi RSA key and a CoinSwitch key, with the files and the
    environment a desk would use, and every encoding of those keys to search for."""
    home = tmp_path_factory.mktemp("keys")
    kalshi_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cs_key = ed25519.Ed25519PrivateKey.generate()
    cs_public = cs_key.public_key().public_bytes_raw().hex()
    cs_secret = cs_key.private_bytes_raw().hex()
    plain = home / "kalshi.pem"
    plain.write_bytes(
        kalshi_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    locked = home / "kalshi-locked.pem"
    locked.write_bytes(
        kalshi_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    for path in (plain, locked):
        path.chmod(0o600)
    locked_body = "".join(locked.read_text().splitlines()[1:-1])
    sandbox = Sandbox(
        [
            KalshiSimulator(
                key_id="desk-key",
                public_key=kalshi_key.public_key(),
                balances={0: "100.00", 1: "2.50"},
            ),
            CoinSwitchSimulator(api_keys=[cs_public], accounts={1001: SAMPLE_ACCOUNTS[1001]}),
        ]
    )
    needles = [
        *needles_for_rsa(kalshi_key),
        *needles_for_ed25519(cs_key),
        cs_secret,
        cs_secret.upper(),
        PASSWORD,
        locked_body[:40],
    ]
    with sandbox:
        env = {
            "KALSHI_API_KEY_ID": "desk-key",
            "KALSHI_PRIVATE_KEY_PATH": str(plain),
            "KALSHI_BASE_URL": sandbox.base_url("kalshi"),
            "COINSWITCH_API_KEY": cs_public,
            "COINSWITCH_SECRET_KEY": cs_secret,
            "COINSWITCH_DMA_BASE_URL": sandbox.base_url("coinswitch_dma"),
            "COINSWITCH_DMA_SUBACCOUNTS": "1001,9999",
        }
        yield {
            "sandbox": sandbox,
            "env": env,
            "needles": needles,
            "plain": plain,
            "locked": locked,
            "kalshi_key": kalshi_key,
            "cs_public": cs_public,
            "cs_secret": cs_secret,
        }


def everything_about(error: BaseException) -> str:
    """All a user could see of an exception: str, repr, attributes, chain, traceback."""
    parts = [str(error), repr(error), *(repr(v) for v in vars(error).values())]
    parts += traceback.format_exception(error)
    cause = error.__cause__ or error.__context__
    if cause is not None:
        parts.append(everything_about(cause))
    return "\n".join(parts)


def test_library_runs_leak_nothing(world: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    sandbox: Sandbox = world["sandbox"]
    seen: list[str] = []
    kalshi = adapter.KalshiSigner.from_file("desk-key", world["plain"])
    locked = adapter.KalshiSigner.from_file("desk-key", world["locked"], PASSWORD)
    coinswitch = adapter.CoinSwitchSigner(world["cs_public"], world["cs_secret"])
    options = {
        "kalshi_base_url": sandbox.base_url("kalshi"),
        "coinswitch_base_url": sandbox.base_url("coinswitch_dma"),
        "retry_base_delay": 0.001,
        "coinswitch_rate_limit": None,
    }
    for signer in (kalshi, locked, coinswitch):
        seen += [repr(signer), str(signer), repr(vars(signer))]
    with adapter.BalanceClient(kalshi, coinswitch, **options) as client:
        seen.append(repr(client))
        report = client.all_balances([1001, 9999])
        seen += [repr(report), *(everything_about(e.error) for e in report.errors)]
        sandbox.fail_next("kalshi", times=10, status=500)
        sandbox.inject("coinswitch_dma", Fault(body=b"<html>oops</html>", content_type="text/html"))
        for call in (client.kalshi_balances, lambda: client.coinswitch_balance(1001)):
            with pytest.raises(adapter.AdapterError) as caught:
                call()
            seen.append(everything_about(caught.value))
    # A key the venue does not know, and key material that cannot be used.
    stranger = adapter.KalshiSigner("desk-key", rsa.generate_private_key(65537, 2048))
    with adapter.BalanceClient(kalshi=stranger, **options) as client:
        with pytest.raises(adapter.AuthenticationError) as caught:
            client.kalshi_balances()
        seen.append(everything_about(caught.value))
    pem_text = world["plain"].read_text()
    failing = [
        lambda: adapter.KalshiSigner.from_file("desk-key", world["locked"], "wrong password"),
        lambda: adapter.KalshiSigner.from_file("desk-key", world["locked"]),
        lambda: adapter.KalshiSigner.from_file("desk-key", pem_text),  # PEM pasted as a path
        lambda: adapter.KalshiSigner.from_pem(pem_text, pem_text),  # PEM pasted as the key id
        lambda: adapter.KalshiSigner.from_pem("desk-key", pem_text[:-80]),
        lambda: adapter.CoinSwitchSigner(world["cs_secret"], world["cs_secret"]),  # swapped
        lambda: adapter.CoinSwitchSigner(world["cs_public"], world["cs_secret"][:-1] + "x"),
        lambda: adapter.CoinSwitchSigner(world["cs_public"], world["cs_secret"] + "00"),
        lambda: adapter.BalanceClient.from_env(
            {**world["env"], "KALSHI_PRIVATE_KEY_PATH": pem_text}
        ),
    ]
    for make in failing:
        with pytest.raises(adapter.CredentialsError) as caught:
            make()
        seen.append(everything_about(caught.value))
    seen += [record.getMessage() for record in caplog.records]
    seen.append(caplog.text)
    assert any("GET" in record.getMessage() for record in caplog.records), "DEBUG logs captured"
    assert_clean("\n".join(seen), world["needles"])


def cli(env: dict[str, str], *args: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KALSHI_", "COINSWITCH_"))}
    result = subprocess.run(
        [str(BIN / "venue-balances"), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["quiet", "debug"])
def test_cli_runs_leak_nothing(world: dict[str, Any], debug: tuple[str, ...]) -> None:
    env: dict[str, str] = world["env"]
    pem_text = world["plain"].read_text()
    runs = [
        cli(env, *debug),  # success for 1001, 404 for 9999
        cli(env, "--format", "json", *debug),
        cli(
            {
                **env,
                "KALSHI_PRIVATE_KEY_PATH": str(world["locked"]),
                "KALSHI_PRIVATE_KEY_PASSWORD": "wrong",
            },
            *debug,
        ),
        cli(
            {
                **env,
                "KALSHI_PRIVATE_KEY_PATH": str(world["locked"]),
                "KALSHI_PRIVATE_KEY_PASSWORD": PASSWORD,
            },
            *debug,
        ),
        cli({**env, "KALSHI_PRIVATE_KEY_PATH": pem_text}, *debug),
        cli({**env, "COINSWITCH_API_KEY": world["cs_secret"]}, *debug),
        cli({**env, "COINSWITCH_SECRET_KEY": world["cs_secret"][:-2]}, *debug),
        cli({**env, "KALSHI_API_KEY_ID": "someone-else"}, "--venue", "kalshi", *debug),
        cli({**env, "COINSWITCH_DMA_BASE_URL": "http://127.0.0.1:9"}, "--timeout", "1", *debug),
    ]
    text = "\n".join(runs)
    assert "exit 0" in text or "exit 1" in text
    assert "exit 2" in text
    if debug:
        assert "DEBUG" in text  # the logs were on
    assert_clean(text, world["needles"])


def test_debug_traceback_of_an_unexpected_error_leaks_nothing(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even the traceback --debug prints for a bug shows no key material."""
    from adapter import cli as command

    for name, value in world["env"].items():
        monkeypatch.setenv(name, value)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(httpx.Client, "send", broken)
    with pytest.raises(RuntimeError) as caught:
        command.main(["--debug"])
    text = everything_about(caught.value) + "\n".join(capsys.readouterr())
    assert "simulated bug" in text
    assert command.main([]) == 1
    text += "\n".join(capsys.readouterr())
    assert "run with --debug" in text
    assert_clean(text, world["needles"])

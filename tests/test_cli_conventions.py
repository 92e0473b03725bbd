"""The CLI behaves like one: --version, a closed pipe, Ctrl-C, --debug levels."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sandbox import Sandbox
from tests.test_cli import BIN, CLEAN_ENV, run


def test_version() -> None:
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"venue-balances {version('venue-balances')}"


@pytest.mark.parametrize("output", [("--sandbox",), ("--sandbox", "--format", "json")])
def test_output_into_a_closed_pipe_ends_quietly(output: tuple[str, ...]) -> None:
    with subprocess.Popen(
        [str(BIN / "venue-balances"), *output],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=CLEAN_ENV,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # like `| head` that has already stopped reading
        stderr = process.stderr.read().decode()
        assert process.wait(30) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert "Exception ignored" not in stderr


@pytest.fixture
def hung(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Both venues configured against a port that accepts connections and never answers."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    port = silent.getsockname()[1]
    with Sandbox.demo() as sandbox:
        env = sandbox.environment(tmp_path)
    env["KALSHI_BASE_URL"] = f"http://127.0.0.1:{port}/trade-api/v2"
    env["COINSWITCH_DMA_BASE_URL"] = f"http://127.0.0.1:{port}"
    yield {**CLEAN_ENV, **env}
    silent.close()


def test_ctrl_c_exits_130_at_once_even_with_requests_hanging(hung: dict[str, str]) -> None:
    with subprocess.Popen(
        [str(BIN / "venue-balances"), "--timeout", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=hung,
        text=True,
    ) as process:
        time.sleep(1.5)  # requests are out, the fan-out's workers blocked reading
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert time.monotonic() - interrupted < 1.0
    assert "Traceback" not in stderr


def test_debug_logs_our_requests_and_a_second_level_the_transport() -> None:
    once = run("--sandbox", "--debug").stderr.splitlines()
    twice = run("--sandbox", "--debug", "--debug").stderr.splitlines()
    ours = [line for line in once if " adapter" in line]
    assert len(ours) == 2, once  # one line per request: Kalshi's, and CoinSwitch's whole master
    assert not [line for line in once if "httpcore" in line or "httpx" in line]
    assert [line for line in twice if "httpcore" in line]


@pytest.fixture
def desk_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with Sandbox.demo() as sandbox:
        yield {**CLEAN_ENV, **sandbox.environment(tmp_path)}


def test_key_problems_name_the_variable_to_fix(desk_env: dict[str, str], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    public = tmp_path / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    cases = [
        (
            {"KALSHI_PRIVATE_KEY_PATH": str(locked), "KALSHI_PRIVATE_KEY_PASSWORD": "wrong"},
            ["wrong password", "KALSHI_PRIVATE_KEY_PASSWORD"],
        ),
        ({"KALSHI_PRIVATE_KEY_PATH": str(public)}, ["public key", "KALSHI_PRIVATE_KEY_PATH"]),
        (
            {"COINSWITCH_SECRET_KEY": desk_env["COINSWITCH_SECRET_KEY"][:-1]},
            ["has 63 characters", "COINSWITCH_SECRET_KEY"],
        ),
        ({"KALSHI_API_KEY_ID": "has spaces in it"}, ["KALSHI_API_KEY_ID"]),
    ]
    for change, words in cases:
        result = run(env={**desk_env, **change})
        assert result.returncode == 2, result
        for word in words:
            assert word in result.stderr, (word, result.stderr)


def test_a_key_path_may_start_with_a_tilde(desk_env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    Path(desk_env["KALSHI_PRIVATE_KEY_PATH"]).rename(home / "kalshi.pem")
    env = {**desk_env, "HOME": str(home), "KALSHI_PRIVATE_KEY_PATH": "~/kalshi.pem"}
    result = run("--venue", "kalshi", env=env)
    assert result.returncode == 0, result.stderr
    (home / "kalshi.pem").chmod(0o644)
    assert "chmod 600" in run("--venue", "kalshi", env=env).stderr

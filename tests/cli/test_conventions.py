"""The CLI behaves like one: --version, `python -m`, closed pipes, Ctrl-C, --debug levels."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sandbox import Sandbox
from tests.cli.command import BIN, CLEAN_ENV, run


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


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapter", "--sandbox", "--format", "json", "--venue", "kalshi"],
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    )
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["balances"]) == 3


def test_the_exit_status_survives_a_closed_stderr() -> None:
    with subprocess.Popen(
        [str(BIN / "venue-balances"), "--sandbox", "--subaccount", "9999", "--format", "csv"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=CLEAN_ENV,
    ) as process:
        assert process.stderr is not None
        process.stderr.close()  # `2>&1 | head -1` that stopped reading
        assert process.wait(30) == 1  # 9999 could not be fetched

"""Fixtures of the command's tests: a sandbox standing in for the venues, and the environment
a desk would set to reach it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sandbox import Sandbox
from tests.cli.command import CLEAN_ENV


@pytest.fixture
def live_like(tmp_path: Path) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """A sandbox standing in for the real venues, and the environment a desk would set."""
    with Sandbox.demo() as sandbox:
        env = sandbox.environment(tmp_path)
        assert set(env) == {
            "KALSHI_API_KEY_ID",
            "KALSHI_PRIVATE_KEY_PATH",
            "KALSHI_BASE_URL",
            "COINSWITCH_API_KEY",
            "COINSWITCH_SECRET_KEY",
            "COINSWITCH_DMA_BASE_URL",
        }
        assert Path(env["KALSHI_PRIVATE_KEY_PATH"]).read_bytes().startswith(b"-----BEGIN")
        env["COINSWITCH_DMA_SUBACCOUNTS"] = "1003, 1001"
        yield sandbox, env


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """A sandbox standing in for the venues, and the environment a desk would set."""
    with Sandbox.demo() as sandbox:
        yield sandbox, {**CLEAN_ENV, **sandbox.environment(tmp_path)}


@pytest.fixture
def desk_env(desk: tuple[Sandbox, dict[str, str]]) -> dict[str, str]:
    """The environment of `desk`, for tests that never reach into its sandbox."""
    return desk[1]

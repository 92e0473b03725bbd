"""The repo's own linters pass: ruff on hand-written code, mypy strict on adapter/ and scripts/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

BIN = Path(sys.executable).parent
HAND_WRITTEN = ["adapter", "scripts", "tests"]


@pytest.mark.parametrize(
    "command",
    [
        [str(BIN / "ruff"), "check", *HAND_WRITTEN],
        [str(BIN / "ruff"), "format", "--check", *HAND_WRITTEN],
        [str(BIN / "mypy")],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_clean(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

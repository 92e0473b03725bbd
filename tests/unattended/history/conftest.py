"""Fixtures of the history's tests: a new history file in a folder not made yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.unattended.history import History


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "nested" / "history.sqlite3")

"""What configuration yields: the accounts, where they came from, and what to say."""

from __future__ import annotations

from pathlib import Path

import attrs

from adapter.venues import Account

__all__ = ["Configuration"]


@attrs.frozen
class Configuration:
    """The accounts to read, where they came from, and what a user should hear about."""

    accounts: tuple[Account, ...]
    source: str
    """Where they came from, in words: `--config FILE`, `the environment variables`, ..."""
    path: Path | None = None
    """The accounts file; None when they came from the environment."""
    warnings: tuple[str, ...] = ()
    """Lines for stderr: key files others may read, variables a file makes ignored."""
    tried: tuple[str, ...] = ()
    """Every key file and variable read, as `config check` lists them."""

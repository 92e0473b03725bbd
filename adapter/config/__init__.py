"""Configuration: the accounts to read, from an accounts file or the environment variables.

Found in this order, the first that applies wins (`find`): `--config FILE`; the variable
`VENUE_BALANCES_CONFIG`; `accounts.toml` in the user configuration directory if it exists;
else the venues' environment variables, one account per configured venue, named after it.
A file named by `--config` or the variable that does not exist is an error, never a fall
through to other accounts. The file is TOML, one table per account (`[accounts.NAME]`,
`venue = "kalshi"`, ...: each venue's definition reads its own keys); secrets only by the
name of a variable or in a file, or inline in an accounts file its owner alone may read.
Every mistake is a `ConfigurationError` naming the file, the account and the key; no
message ever holds a secret.

    configuration.py  Configuration: the accounts, where they came from, what to say
    file.py           the accounts file (TableReader; sketch for the sandbox)
    environment.py    the venues' variables; check_http_url
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from adapter.config.configuration import Configuration
from adapter.config.environment import (
    accounts_from_environment,
    check_http_url,
    client_arguments,
    configured,
    reader,
)
from adapter.config.file import TableReader, accounts_from_file, sketch
from adapter.errors import ConfigurationError

__all__ = [
    "CONFIG_VARIABLE",
    "Configuration",
    "TableReader",
    "check_http_url",
    "client_arguments",
    "configured",
    "default_config_path",
    "find",
    "load",
    "reader",
    "sketch",
]

CONFIG_VARIABLE = "VENUE_BALANCES_CONFIG"


def default_config_path() -> Path:
    """`accounts.toml` in the platform's user configuration directory."""
    import platformdirs

    return platformdirs.user_config_path("venue-balances") / "accounts.toml"


def find(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> tuple[Path, str] | None:
    """The accounts file to read and how it was named, or None for the environment."""
    if path is not None and str(path):
        return _existing(Path(path).expanduser(), f"--config {path}")
    named = environ.get(CONFIG_VARIABLE, "").strip()
    if named:
        return _existing(Path(named).expanduser(), f"{CONFIG_VARIABLE}={named}")
    default = default_config_path()
    if default.is_file():
        return default, f"{default} (the default accounts file)"
    return None


def _existing(path: Path, how: str) -> tuple[Path, str]:
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigurationError(f"{how}: the accounts file {path} {what}")
    return path, how


def load(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Configuration:
    """The accounts `find` leads to: from the file, or from the environment variables."""
    environ = os.environ if environ is None else environ
    found = find(path, environ)
    if found is None:
        return accounts_from_environment(environ)
    return accounts_from_file(*found, environ)

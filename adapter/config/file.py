"""The accounts file: TOML, one `[accounts.NAME]` table per account, read key by key.

Each venue's definition takes its keys through a `TableReader`, so that every mistake
names the file, the account and the key: an unknown key (with the nearest known one), a
missing one, a wrong type, a variable that is not set, a key file that is missing or that
others may read (a warning), an inline secret in a file others may read. `sketch` reads
only names, venues and children, for the sandbox.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapter.config.configuration import Configuration
from adapter.config.environment import check_http_url
from adapter.domain import Venue
from adapter.errors import AdapterError, ConfigurationError
from adapter.fields import json_type
from adapter.venues import ACCOUNT_NAME, DEFINITIONS, Account, VenueDefinition

__all__ = ["TableReader", "accounts_from_file", "sketch"]


def _tables(path: Path) -> tuple[dict[str, Any], int]:
    """The accounts file's `[accounts.NAME]` tables, names checked, and the file's mode."""
    import tomllib

    try:
        with open(path, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:  # its message gives the line and column
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigurationError(f"{path}: cannot read the accounts file: {reason}") from None
    unknown = sorted(set(document) - {"accounts"})
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown key {unknown[0]!r} (an accounts file holds [accounts.NAME] tables)"
        )
    tables = document.get("accounts")
    if not isinstance(tables, dict) or not tables:
        raise ConfigurationError(f"{path}: no [accounts.NAME] table: name at least one account")
    for name in tables:
        if not ACCOUNT_NAME.fullmatch(name):
            raise ConfigurationError(
                f"{path}: account {name[:70]!r}: a name is 1-64 characters of A-Z, a-z, 0-9,"
                " '_', '.' and '-'"
            )
    return tables, mode


def sketch(path: Path) -> list[tuple[str, Venue, list[int] | None]]:
    """Each account of the file as the sandbox simulates it: its name, venue and chosen
    children, nothing else read (no key file, no variable, no URL)."""
    tables, mode = _tables(path)
    sketched = []
    for name, table in tables.items():
        reader = TableReader(path, name, table, {}, mode, [], [])
        definition = reader.definition()
        ids = reader.ids("subaccounts") if "subaccounts" in table else None
        sketched.append((name, definition.venue, ids))
    return sketched


def accounts_from_file(path: Path, how: str, environ: Mapping[str, str]) -> Configuration:
    tables, mode = _tables(path)
    warnings: list[str] = []
    tried: list[str] = []
    accounts = []
    for name, table in tables.items():
        table_reader = TableReader(path, name, table, environ, mode, warnings, tried)
        accounts.append(table_reader.account())
    ignored = [
        variable
        for d in DEFINITIONS
        for variable in (*d.key_variables, *d.verbatim_variables, *d.other_variables())
        if environ.get(variable, "").strip()
    ]
    if ignored:
        warnings.append(
            f"ignoring {', '.join(ignored)}: the accounts come from {path} (unset them, or"
            " drop the file, to use them)"
        )
    return Configuration(
        accounts=tuple(accounts),
        source=how,
        path=path,
        warnings=tuple(warnings),
        tried=tuple(tried),
    )


class TableReader:
    """One `[accounts.NAME]` table of an accounts file, read key by key: each venue's
    definition takes its keys from here (`VenueDefinition.account_from_table`), and every
    mistake is an error naming the file, the account and the key."""

    def __init__(
        self,
        path: Path,
        name: str,
        table: object,
        environ: Mapping[str, str],
        mode: int,
        warnings: list[str],
        tried: list[str],
    ) -> None:
        self.path = path
        self.name = name
        self.environ = environ
        self._mode = mode
        self._warnings = warnings
        self._tried = tried
        if not isinstance(table, dict):
            raise self.error(None, "must be a table ([accounts.NAME] with its keys)")
        self._table: dict[str, Any] = table

    def error(self, key: str | None, problem: str) -> ConfigurationError:
        where = f"{self.path}: account {self.name!r}"
        return ConfigurationError(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")

    def definition(self) -> VenueDefinition:
        """The definition of the account's venue (`venue = "kalshi"`)."""
        venue = self.text("venue")
        definition = next((d for d in DEFINITIONS if d.venue == venue), None)
        if definition is None:
            venues = ", ".join(str(d.venue) for d in DEFINITIONS)
            raise self.error("venue", f"{venue[:40]!r} is not a venue ({venues})")
        return definition

    def account(self) -> Account:
        definition = self.definition()
        venue = definition.venue
        known = {"venue", *definition.table_keys}
        for key in self._table:
            if key not in known:
                import difflib

                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.error(key, f"unknown key for a {venue} account{hint}")
        try:
            account = definition.account_from_table(self)
        except ConfigurationError:
            raise  # a mistake of a key, already named
        except AdapterError as exc:  # an option out of range
            raise self.error(None, exc.message) from None
        return account

    def _value(self, key: str, kinds: tuple[type, ...], what: str, required: bool) -> Any:
        if key not in self._table:
            if required:
                raise self.error(key, "is missing")
            return None
        value = self._table[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"must be {what}, not {_toml_type(value)}")
        return value

    def text(self, key: str, *, required: bool = True) -> Any:
        """A string (stripped; an empty one is missing)."""
        value = self._value(key, (str,), "a string", required)
        if value is not None and not value.strip():
            if required:
                raise self.error(key, "is empty")
            return None
        return None if value is None else value.strip()

    def rate_limit(self, default: float) -> float | None:
        """Requests per second; `false` turns the limit off (TOML has no null)."""
        value = self._value("rate_limit", (int, float, bool), "a number or false", False)
        if value is None:
            return default
        if value is True:
            raise self.error("rate_limit", "must be a number of requests per second, or false")
        return None if value is False else float(value)

    def ids(self, key: str) -> list[int] | None:
        value = self._value(key, (list,), "a list of child ids", False)
        if value is not None and not all(type(item) is int for item in value):
            raise self.error(key, "must be a list of whole numbers (child ids)")
        return None if value is None else list(value)

    def url(self) -> str | None:
        value: str | None = self.text("base_url", required=False)
        if value is not None:
            try:
                check_http_url("base_url", value)
            except ConfigurationError as exc:
                raise self.error("base_url", exc.message.removeprefix("base_url ")) from None
        return value

    def path_of(self, key: str, *, required: bool = True, secret: bool = True) -> Path | None:
        """A file named by the key (`~` expanded, relative to the accounts file's folder):
        it must exist; one that group or others may read gets a warning."""
        value = self.text(key, required=required)
        if value is None:
            return None
        path = self.path.parent / Path(value).expanduser()
        self._tried.append(f"{self.name}: {key} {path}")
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise self.error(key, f"{path}: {exc.strerror or 'cannot be read'}") from None
        if not stat.S_ISREG(mode):
            raise self.error(key, f"{path} is not a file")
        if secret and mode & (stat.S_IRWXG | stat.S_IRWXO):
            self._warnings.append(
                f"{path} ({self.name}: {key}) is accessible by group or others"
                f" (mode {stat.filemode(mode)}); run: chmod 600 {path}"
            )
        return path

    def secret_text(self, key: str, *, verbatim: bool = False) -> str:
        """The contents of the file named by the key (a secret: never in a message),
        without its final line break (`verbatim`: a password keeps its other spaces)."""
        path = self.path_of(key)
        assert path is not None  # required
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise self.error(key, f"{path} cannot be read as text") from None
        return text.rstrip("\r\n") if verbatim else text.strip()

    def variable(self, key: str, *, required: bool = True, verbatim: bool = False) -> str | None:
        """The value of the environment variable whose NAME the key gives."""
        name = self.text(key, required=required)
        if name is None:
            return None
        self._tried.append(f"{self.name}: {key} ${name}")
        value = self.environ.get(name, "")
        value = value if verbatim else value.strip()
        if not value:
            raise self.error(key, f"the variable {name} is not set")
        return value

    def inline_secret(self, key: str) -> str | None:
        """A secret written in the file itself: only in a file its owner alone may read,
        as ssh treats keys."""
        value: str | None = self.text(key, required=False)
        if value is not None and self._mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise self.error(
                key,
                f"a secret inline in a file that group or others may read (mode"
                f" {stat.filemode(self._mode)}): run: chmod 600 {self.path}, or name a"
                " variable or a file instead",
            )
        return value

    def given(self, *keys: str) -> list[str]:
        """Which of the keys the table has."""
        return [key for key in keys if key in self._table]


def _toml_type(value: object) -> str:
    """A TOML value's type, for messages (a TOML table is JSON's object)."""
    return json_type(value).replace("an object", "a table")

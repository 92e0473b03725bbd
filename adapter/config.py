"""Credentials and endpoints from the environment (`from_env()` and the CLI).

The variables are each venue's own (`adapter.venues`); a venue is configured when its key
variables are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapter.errors import ConfigurationError, CredentialsError
from adapter.venues import DEFINITIONS, Value, VenueDefinition

__all__ = ["check_http_url", "client_arguments", "configured", "reader"]


def reader(environ: Mapping[str, str]) -> Value:
    """Reads variables from `environ`: stripped (a password excepted), None when empty."""
    verbatim = {name for d in DEFINITIONS for name in d.verbatim_variables}

    def value(name: str) -> str | None:
        text = environ.get(name, "")
        return (text if name in verbatim else text.strip()) or None

    return value


def configured(definition: VenueDefinition, value: Value) -> bool:
    """Whether the venue's key variables are set; CredentialsError when only some are."""
    names = definition.key_variables
    present = [name for name in names if value(name)]
    if present and len(present) < len(names):
        missing = next(name for name in names if not value(name))
        raise CredentialsError(
            f"{missing} is not set (but {present[0]} is)", venue=definition.venue
        )
    return bool(present)


def client_arguments(environ: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments of a balance client, from the environment.

    `CredentialsError` names a variable that is missing beside its partner, or whose key
    cannot be used, and `ConfigurationError` a base URL that is not an http(s) URL.
    """
    value = reader(environ)
    arguments: dict[str, Any] = {}
    for definition in DEFINITIONS:
        signer = None
        if configured(definition, value):
            signer = definition.signer_from_environment(value)
        arguments[definition.signer_option] = signer
        url = value(definition.base_url_variable)
        if url:
            check_http_url(definition.base_url_variable, url)
            arguments[definition.base_url_option] = url
    return arguments


def check_http_url(name: str, value: object) -> None:
    """Refuse, naming `name`, a value that is not an absolute http(s) URL."""
    try:
        url = httpx.URL(value)  # type: ignore[arg-type]
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{name} is not a URL ({exc}): {value!r:.100}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{name} must be an http(s) URL, not {value!r:.100}")

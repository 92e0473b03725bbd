"""Accounts from the venues' environment variables (`from_env()`, and the CLI without an
accounts file): one per configured venue, named after it; a venue is configured when its
key variables are set. And `check_http_url`, the one check of a base URL, wherever it
comes from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapter.config.configuration import Configuration
from adapter.errors import ConfigurationError, CredentialsError
from adapter.venues import DEFINITIONS, Value, VenueDefinition

__all__ = [
    "accounts_from_environment",
    "check_http_url",
    "client_arguments",
    "configured",
    "reader",
]


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


def accounts_from_environment(environ: Mapping[str, str]) -> Configuration:
    value = reader(environ)
    accounts = []
    tried = []
    for definition in DEFINITIONS:
        tried += [name for name in definition.key_variables if value(name)]
        if configured(definition, value):
            url = value(definition.base_url_variable)
            if url:
                check_http_url(definition.base_url_variable, url)
            accounts.append(definition.account_from_environment(value))
    warnings = [line for d in DEFINITIONS for line in d.warnings(environ)]
    return Configuration(
        accounts=tuple(accounts),
        source="the environment variables",
        warnings=tuple(warnings),
        tried=tuple(tried),
    )


def check_http_url(name: str, value: object) -> None:
    """Refuse, naming `name`, a value that is not an absolute http(s) base URL: one with
    no query or fragment (paths are appended to it) and no user name or password."""
    text = str(value)
    # A user name, password or query parameter may be a credential, and a message may well
    # be logged: a value holding one is not quoted.
    shown = "" if {"@", "?", "#"} & set(text) else f": {text!r:.100}"
    try:
        url = httpx.URL(value)  # type: ignore[arg-type]
        host = url.host  # decodes punycode: "xn--" alone is no host
    except (httpx.InvalidURL, TypeError, UnicodeError) as exc:
        raise ConfigurationError(f"{name} is not a URL ({exc}){shown}") from None
    if url.userinfo or "@" in urlsplit(text).netloc:
        raise ConfigurationError(
            f"{name} must not hold a user name or password (a credential in a URL ends up"
            " in logs; the venues sign requests with the API key instead)"
        )
    if url.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"{name} must be an http(s) URL with a host{shown}")
    try:  # as the resolver will: an empty label ("a..b") or one over 63 characters fails
        host.encode("idna")
    except UnicodeError:
        raise ConfigurationError(f"{name} has a host name no resolver takes{shown}") from None
    if url.query or url.fragment or "?" in text or "#" in text:
        raise ConfigurationError(
            f"{name} must not have a query ('?') or fragment ('#'): request paths are"
            " appended to it, so it must end with its path, like"
            f" {url.copy_with(query=None, fragment=None)}"
        )

"""Credentials and endpoints from the environment (`from_env()` and the CLI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapter.domain import Venue
from adapter.errors import ConfigurationError, CredentialsError
from adapter.signing import CoinSwitchSigner, KalshiSigner

__all__ = ["ENVIRONMENT", "check_http_url", "client_arguments"]

KALSHI_API_KEY_ID = "KALSHI_API_KEY_ID"
KALSHI_PRIVATE_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
KALSHI_PRIVATE_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"
KALSHI_BASE_URL = "KALSHI_BASE_URL"
COINSWITCH_API_KEY = "COINSWITCH_API_KEY"
COINSWITCH_SECRET_KEY = "COINSWITCH_SECRET_KEY"
COINSWITCH_DMA_BASE_URL = "COINSWITCH_DMA_BASE_URL"
COINSWITCH_DMA_SUBACCOUNTS = "COINSWITCH_DMA_SUBACCOUNTS"

ENVIRONMENT = {
    Venue.KALSHI: (KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH),
    Venue.COINSWITCH_DMA: (COINSWITCH_API_KEY, COINSWITCH_SECRET_KEY),
}
"""The variables that configure each venue: a venue is configured when they are set."""


def client_arguments(environ: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments of a balance client, from the environment.

    A venue is configured when its key variables are set; `CredentialsError` names a
    variable that is missing beside its partner, or whose key cannot be used, and
    `ConfigurationError` a base URL that is not an http(s) URL.
    """

    def value(name: str) -> str | None:
        text = environ.get(name, "")
        # Passwords are taken exactly as given; spaces around anything else are typos.
        return (text if name == KALSHI_PRIVATE_KEY_PASSWORD else text.strip()) or None

    def configured(venue: Venue) -> bool:
        names = ENVIRONMENT[venue]
        present = [name for name in names if value(name)]
        if present and len(present) < len(names):
            missing = next(name for name in names if not value(name))
            raise CredentialsError(f"{missing} is not set (but {present[0]} is)", venue=venue)
        return bool(present)

    arguments: dict[str, Any] = {"kalshi": None, "coinswitch": None}
    if configured(Venue.KALSHI):
        arguments["kalshi"] = KalshiSigner.from_file(
            value(KALSHI_API_KEY_ID) or "",
            value(KALSHI_PRIVATE_KEY_PATH) or "",
            value(KALSHI_PRIVATE_KEY_PASSWORD),
        )
    if configured(Venue.COINSWITCH_DMA):
        arguments["coinswitch"] = CoinSwitchSigner(
            value(COINSWITCH_API_KEY) or "", value(COINSWITCH_SECRET_KEY) or ""
        )
    for option, name in (
        ("kalshi_base_url", KALSHI_BASE_URL),
        ("coinswitch_base_url", COINSWITCH_DMA_BASE_URL),
    ):
        url = value(name)
        if url:
            check_http_url(name, url)
            arguments[option] = url
    return arguments


def check_http_url(name: str, value: object) -> None:
    """Refuse, naming `name`, a value that is not an absolute http(s) base URL: one with
    no query or fragment (paths are appended to it) and no user name or password."""
    text = str(value)
    # A user name, password or query parameter may be a credential, and a message may well
    # be logged: a value holding one is not quoted.
    shown = "" if {"@", "?", "#"} & set(text) else f": {text!r:.100}"
    try:
        url = httpx.URL(value)  # type: ignore[arg-type]
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{name} is not a URL ({exc}){shown}") from None
    if url.userinfo or "@" in urlsplit(text).netloc:
        raise ConfigurationError(
            f"{name} must not hold a user name or password (a credential in a URL ends up"
            " in logs; the venues sign requests with the API key instead)"
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{name} must be an http(s) URL with a host{shown}")
    if url.query or url.fragment or "?" in text or "#" in text:
        raise ConfigurationError(
            f"{name} must not have a query ('?') or fragment ('#'): request paths are"
            " appended to it, so it must end with its path, like"
            f" {url.copy_with(query=None, fragment=None)}"
        )

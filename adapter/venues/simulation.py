"""What a venue simulator is: a handler of requests with no I/O of its own.

Each venue has one (`adapter/venues/<venue>/simulator.py`). It checks signatures the way
the venue does, answers from its own state, and gives the venue's documented error
bodies. `adapter.sandbox` mounts the simulators on 127.0.0.1 over real HTTP (and in
memory, as an httpx transport); the tests and the benchmark use the same ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs
import httpx

from adapter.domain import Venue

__all__ = ["SKEW_LIMIT_MS", "Request", "Response", "Simulator", "json_response", "skewed"]

SKEW_LIMIT_MS = 60_000
"""Both venues refuse a request stamped more than 60 s from their clock."""


@attrs.frozen
class Request:
    """A request as it arrived: method, target (path and query as sent) and headers."""

    method: str
    target: str
    headers: Mapping[str, str]  # case-insensitive

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@attrs.frozen
class Response:
    """A simulator's answer."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, document: Any) -> Response:
    return Response(status, json.dumps(document).encode())


def skewed(stamp: str, now_ms: int) -> bool:
    """A timestamp header that is not Unix milliseconds within the venues' window."""
    return not (stamp.isascii() and stamp.isdigit()) or abs(int(stamp) - now_ms) > SKEW_LIMIT_MS


class Simulator(Protocol):
    """One venue's endpoints, as a handler."""

    venue: Venue
    verify: bool
    """Check signatures and clocks (switched off for benchmarks only)."""

    def owns(self, path: str) -> bool:
        """Whether a request path is one of this venue's endpoints."""

    def stamp(self, request: Request) -> tuple[str | None, str | None]:
        """The request's timestamp and signature header values, for the sandbox's log."""

    def refuse(self, request: Request) -> Response | None:
        """The venue's refusal of a request it would not serve (wrong method, and when
        `verify` is on, a missing or wrong signature or a skewed clock), or None."""

    def answer(self, request: Request) -> Response:
        """The venue's answer to a request it serves, from the simulator's state."""

    def error_body(self, status: int) -> bytes:
        """The venue's documented body for an error status."""

    def drift(self, step: int) -> None:
        """Move the balances a little, deterministically by step (demos only)."""

    def vary(self, variant: int) -> None:
        """Make the sample balances one account's own: variant 0 leaves them as they are,
        variant k multiplies every amount by k + 1 (digits kept: `5000.00` -> `10000.00`)."""

    def client_options(self) -> dict[str, Any]:
        """Balance client keyword arguments with this simulator's keys (base URL aside)."""

    def base_url(self, root: str) -> str:
        """The venue's base URL on a sandbox served at `root` (scheme, host and port)."""

    def environment(self, directory: Path) -> dict[str, str]:
        """Environment variables that configure this venue with the simulator's keys
        (key files written into `directory`), as a user's shell would hold them."""


def request_from_httpx(request: httpx.Request) -> Request:
    """An httpx request (from an in-memory transport) as a simulator reads it."""
    return Request(request.method, request.url.raw_path.decode("ascii"), request.headers)

"""What the sandbox injects and records: a `Fault` to answer with instead of the normal
way, the `Seen` log of requests, and the `Answer` put on the wire for one request."""

from __future__ import annotations

import attrs

from adapter.domain import Venue
from adapter.venues.simulation import Response

__all__ = ["Answer", "Fault", "Seen"]


@attrs.frozen
class Seen:
    """One request the sandbox answered: venue (None if unrouted), target, status (0 when
    dropped), the timestamp and signature the signer put on it, and when it arrived."""

    venue: Venue | None
    method: str
    target: str
    status: int
    stamp: str | None
    signature: str | None
    at: float  # seconds (time.monotonic)
    """When the request arrived (time.monotonic)."""


@attrs.frozen
class Fault:
    """How to answer one request instead of the normal way.

    `status`/`body`/`content_type`/`headers`: a canned response (body None: the venue's
    documented body for that status). `drop`: close the connection without answering.
    `truncate`: send headers and half the body, then close. `delay`: sleep first.
    `trickle`: send the normal answer one byte at a time, this many seconds apart (a
    server that never lets a per-read timeout fire).
    """

    status: int = 200
    body: bytes | None = None
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False
    truncate: bool = False
    delay: float = 0.0
    trickle: float = 0.0  # seconds between bytes


@attrs.frozen
class Answer:
    """What to put on the wire for one request."""

    response: Response | None  # None: close without answering
    truncate: bool = False
    trickle: float = 0.0

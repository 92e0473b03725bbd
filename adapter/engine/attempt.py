"""One HTTP attempt against a venue, and what its outcome means.

The generated code's response path loses the status on a non-JSON body and raises
`ValueError` on statuses outside `HTTPStatus` (e.g. 520), so requests are built with the
generated `_get_kwargs`, sent through the generated client's httpx client (which signs them),
read here with a size cap and the call's deadline, and only 200 bodies are parsed with the
generated models. Every failure leaves as a typed `AdapterError`.

Its length (about 350 lines) is the body reader: bounded gzip/deflate decoding as bytes
arrive, the size caps and the deadline, which only make sense read together.
"""

from __future__ import annotations

import email.utils
import logging
import time
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar

import httpx

from adapter.engine.call import Call
from adapter.engine.deadline import Deadline, bound
from adapter.errors import (
    AdapterError,
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    VenueUnavailableError,
)
from adapter.fields import FieldProblem, load_json

__all__ = ["MAX_BODY_BYTES", "receive", "receive_async", "retry_after_seconds"]

T = TypeVar("T")
log = logging.getLogger("adapter")

MAX_BODY_BYTES = 1024 * 1024
"""A balance body is a few hundred bytes; refuse one above 1 MiB rather than read without
bound (a call may allow more: `Call.max_body`)."""
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_CONTENT_CODINGS = 4
"""More encodings stacked on one body than any server has a reason to use: refused unread."""
CONNECT_TIMEOUT = 5.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_ERRORS: dict[int, type[AdapterError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}


def _timeout(deadline: Deadline) -> httpx.Timeout:
    remaining = deadline.seconds_left()
    return httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))


def receive(http: httpx.Client, call: Call[T], arguments: dict[str, Any], deadline: Deadline) -> T:
    """Send one signed attempt (`arguments`: the call's request, URL prepared by the account)
    and read its outcome (sync)."""
    started = time.perf_counter()
    try:
        with bound(deadline):
            request = http.build_request(**arguments, timeout=_timeout(deadline))
            response = http.send(request, stream=True)
            try:
                body = _Body(response, call, deadline)
                if body.in_memory:
                    body.add(response.content)
                elif body.wanted:
                    # Raw bytes: httpx would decode a Content-Encoding without bound.
                    for chunk in response.iter_raw():
                        if not body.add(chunk):
                            break
                body.end()
            finally:
                response.close()
    except _TRANSPORT_ERRORS as exc:
        raise _transport_error(call, deadline, exc) from exc
    return _outcome(call, response, bytes(body.data), time.perf_counter() - started)


async def receive_async(
    http: httpx.AsyncClient, call: Call[T], arguments: dict[str, Any], deadline: Deadline
) -> T:
    """Send one signed attempt and read its outcome (async)."""
    started = time.perf_counter()
    try:
        request = http.build_request(**arguments, timeout=_timeout(deadline))
        response = await http.send(request, stream=True)
        try:
            body = _Body(response, call, deadline)
            if body.in_memory:
                body.add(response.content)
            elif body.wanted:
                async for chunk in response.aiter_raw():
                    if not body.add(chunk):
                        break
            body.end()
        finally:
            await response.aclose()
    except _TRANSPORT_ERRORS as exc:
        raise _transport_error(call, deadline, exc) from exc
    return _outcome(call, response, bytes(body.data), time.perf_counter() - started)


class _Body:
    """Collects a body chunk by chunk as it came off the wire, undoing its gzip or deflate
    Content-Encoding, refusing to grow past its cap (raw, and decoded at every layer) or to
    outlive the deadline.

    We send `Accept-Encoding: identity`, so an encoded answer is one we did not ask for:
    2.5 KB of gzip inside gzip decode to 1 GiB, which httpx's own decoding would hold in
    memory before any cap is checked. An encoding other than gzip or deflate is not read.
    """

    def __init__(self, response: httpx.Response, call: Call[Any], deadline: Deadline) -> None:
        self._success = response.status_code == 200
        self._limit = call.max_body if self._success else MAX_ERROR_BODY_BYTES
        self._call = call
        self._status = response.status_code
        self._deadline = deadline
        self.data = bytearray()
        self._raw = 0  # bytes received, before decoding
        self.wanted = True
        """False once there is no point reading on (an error page whose text is dropped)."""
        # A response built in memory with its content (httpx.MockTransport in tests) was
        # read, and decoded, by httpx when it was built: no wire, nothing left to undo.
        self.in_memory = response.is_stream_consumed
        self._layers: list[_Inflater] = []
        codings = [] if self.in_memory else _content_codings(response)
        if len(codings) > MAX_CONTENT_CODINGS:
            self.refuse(
                f"the body has {len(codings)} content codings stacked; refusing to undo"
                f" more than {MAX_CONTENT_CODINGS}"
            )
            return
        for coding in reversed(codings):  # the last one named was applied last
            if coding not in _INFLATE_WBITS:
                self.refuse(
                    f"the body is encoded as {coding!r}, which was not asked for"
                    " (Accept-Encoding: identity) and cannot be read"
                )
                return
            self._layers.append(_Inflater(coding, self._limit))
        declared = response.headers.get("content-length", "")
        if (
            declared.isascii()
            and declared.isdigit()
            and (len(declared) > 12 or int(declared) > self._limit)
        ):
            self.overflow()

    def add(self, chunk: bytes) -> bool:
        """Keep a chunk; False once there is no point reading on."""
        if not self.wanted:
            return False
        self._raw += len(chunk)
        if self._raw > self._limit:
            return self.overflow()
        try:
            for layer in self._layers:
                chunk = layer.inflate(chunk)
        except _TooLarge:
            return self.overflow()
        except zlib.error as exc:
            return self.refuse(f"the body is not valid {layer.coding} ({exc})")
        self.data += chunk
        if len(self.data) > self._limit:
            return self.overflow()
        if self._deadline.expired():
            raise httpx.ReadTimeout("the deadline passed while the body was arriving")
        return True

    def end(self) -> None:
        """No more body: unless reading stopped early, every encoding must have ended."""
        for layer in self._layers if self.wanted else ():
            if not layer.complete:
                self.refuse(f"the {layer.coding} body ends early")
                return

    def overflow(self) -> bool:
        return self.refuse(
            f"the body is larger than {self._call.max_body // 1024} KiB; refusing to read it"
        )

    def refuse(self, message: str) -> bool:
        """A 200 body that cannot be read is malformed; an error page that cannot be read
        keeps its status and drops its text."""
        if self._success:
            raise self._call.error(MalformedResponseError, message, status=self._status)
        self.data.clear()
        self._layers.clear()
        self.wanted = False
        return False


# zlib's window bits for each content coding we undo: gzip framing, or zlib framing
# (HTTP's "deflate"; raw deflate, which some servers send instead, is tried on failure).
_INFLATE_WBITS = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,
}


def _content_codings(response: httpx.Response) -> list[str]:
    """The response's content codings in the order they were applied, identity left out."""
    names = response.headers.get_list("content-encoding", split_commas=True)
    return [name for name in (n.strip().lower() for n in names) if name not in ("", "identity")]


class _TooLarge(Exception):
    """A layer of the body decoded to more than the cap."""


class _Inflater:
    """Undoes one gzip or deflate layer, never producing more than its cap (plus one byte,
    which shows the cap was passed) however small the input."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = "gzip" if coding == "x-gzip" else coding
        self._left = limit + 1
        self._zlib = zlib.decompressobj(_INFLATE_WBITS[coding])
        self._first = True

    def inflate(self, data: bytes) -> bytes:
        if not data:
            return b""
        first, self._first = self._first, False
        try:
            # With max_length, zlib stops there and keeps the rest of the input unread.
            out = self._zlib.decompress(data, self._left)
        except zlib.error:
            if not (first and self.coding == "deflate"):
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, self._left)
        self._left -= len(out)
        if self._left <= 0:  # also: max_length 0 would mean "no limit"
            raise _TooLarge
        return out

    @property
    def complete(self) -> bool:
        return self._zlib.eof


# What a failed send raises: httpx's errors (InvalidURL is not one of them), and the
# resolver's UnicodeError for a host name idna refuses.
_TRANSPORT_ERRORS = (httpx.HTTPError, httpx.InvalidURL, UnicodeError)


def _transport_error(call: Call[Any], deadline: Deadline, exc: Exception) -> AdapterError:
    """The typed error for one of `_TRANSPORT_ERRORS`."""
    if isinstance(exc, httpx.TimeoutException):
        return call.error(
            VenueUnavailableError,
            f"no answer in time ({type(exc).__name__}; the call's deadline is"
            f" {deadline.seconds:g} s)",
            retryable=True,
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return call.error(VenueUnavailableError, f"cannot send the request: {exc}")
    if isinstance(exc, httpx.TransportError):
        reason = str(exc) or type(exc).__name__
        return call.error(VenueUnavailableError, f"connection failed: {reason}", retryable=True)
    if isinstance(exc, httpx.HTTPError):
        return call.error(VenueUnavailableError, f"request failed: {exc}")
    return call.error(VenueUnavailableError, f"cannot resolve the host: {exc}")


def _outcome(call: Call[T], response: httpx.Response, body: bytes, latency: float) -> T:
    status = response.status_code
    log.debug(
        "%s %s -> %d (%d bytes, %.1f ms)",
        response.request.method,
        response.request.url,
        status,
        len(body),
        latency * 1000,
    )
    if status == 200:
        return _parse_success(call, response, body)
    text = _error_text(call, body)
    if status in _ERRORS or status in RETRIED_STATUSES:
        message = text or _phrase(status) or "no message"
    else:
        message = f"unexpected status {status} {_phrase(status)}".rstrip()
        message += f": {text}" if text else ""
    raise call.error(
        _ERRORS.get(status, VenueUnavailableError),
        message,
        status=status,
        retryable=status in RETRIED_STATUSES,
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
    )


def _parse_success(call: Call[T], response: httpx.Response, body: bytes) -> T:
    def malformed(message: str, field: str | None = None) -> AdapterError:
        return call.error(MalformedResponseError, message, field=field, status=200)

    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise malformed(f"the body is {content_type or 'untyped'!r}, not application/json")
    try:
        payload = load_json(body)
    except UnicodeDecodeError as exc:
        raise malformed("the body is not valid UTF-8") from exc
    except (ValueError, RecursionError) as exc:
        raise malformed(f"the body is not valid JSON ({_first_line(exc)})") from exc
    try:
        return call.parse(payload)
    except FieldProblem as exc:
        raise malformed(f"{exc.field} {exc.problem}", exc.field) from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise malformed(f"the body does not match the spec ({type(exc).__name__})") from exc


def _error_text(call: Call[Any], body: bytes) -> str | None:
    try:
        return call.error_message(load_json(body))
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds, from delta-seconds or an HTTP date; None if absent or unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)  # seconds; unlike int(), float() takes any number of digits
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        # A date no calendar holds (a 20-digit year, hour or zone offset overflows a C
        # integer inside the parser) is as unusable as no date: back off as usual.
        return None

"""One HTTP/1.1 request head parsed, run through a WSGI application, and its answer as bytes.

The serving loop (`adapter.unattended.http`) reads a request head whole, then hands it to
`respond` in a handler thread; nothing here touches a socket. Only what an exporter needs
is accepted: a head of at most `MAX_HEAD` bytes and `MAX_HEADERS` fields, and no body (a
`Content-Length` other than 0 or any `Transfer-Encoding` is refused with 413, so a body is
never read, let alone buffered). `HEAD` runs the application as `GET` and sends the same
headers without the body, on every path.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from typing import NamedTuple
from urllib.parse import unquote
from wsgiref.types import WSGIApplication, WSGIEnvironment

__all__ = ["MAX_HEAD", "MAX_HEADERS", "Refused", "Request", "parse_head", "refusal", "respond"]

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024  # bytes: request line and header fields together
MAX_HEADERS = 100

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_VERSION = re.compile(r"HTTP/(\d)\.(\d)\Z")
# Octets a field value may not hold (RFC 9110 5.5): a CR, LF or NUL would let one header
# smuggle another past a proxy, so such a request is refused rather than cleaned.
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NO_BODY = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class Refused(Exception):
    """A request answered with an error status before the application sees it."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Request(NamedTuple):
    """A request head, parsed; header names as sent, values stripped of surrounding spaces."""

    method: str
    target: str
    version: str  # "HTTP/1.0" or "HTTP/1.1"
    headers: Sequence[tuple[str, str]]

    @property
    def keep_alive(self) -> bool:
        """HTTP/1.1 keeps the connection unless told to close it; HTTP/1.0 only when asked."""
        tokens = {
            token.strip().lower()
            for name, value in self.headers
            if name.lower() == "connection"
            for token in value.split(",")
        }
        if self.version == "HTTP/1.1":
            return "close" not in tokens
        return "keep-alive" in tokens


def parse_head(head: bytes) -> Request:
    """The request line and header fields ending in an empty line; `Refused` when malformed,
    too big, or carrying a body."""
    if len(head) > MAX_HEAD:
        raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large")
    # Latin-1 maps every octet to one character, as PEP 3333 asks of a WSGI server.
    lines = head.decode("latin-1").removesuffix("\r\n\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or not parts[1]:
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed request line")
    method, target, version = parts
    if not target.startswith(("/", "http://", "https://")) and target != "*":
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed request target")
    matched = _VERSION.match(version)
    if matched is None:
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed HTTP version")
    if matched.group(1) != "1":
        raise Refused(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and 1.1 are served")
    if len(lines) - 1 > MAX_HEADERS:
        raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many header fields")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        value = value.strip(" \t")
        if not colon or not _TOKEN.match(name) or _BAD_VALUE.search(value):
            raise Refused(HTTPStatus.BAD_REQUEST, "malformed header field")
        headers.append((name, value))
    for name, value in headers:
        lowered = name.lower()
        if lowered == "transfer-encoding" or (lowered == "content-length" and value != "0"):
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "a request body is not accepted")
    return Request(method, target, f"HTTP/1.{matched.group(2)}", headers)


def respond(
    app: WSGIApplication,
    request: Request,
    *,
    scheme: str,
    server: tuple[str, int],
    peer: tuple[str, int],
) -> bytes:
    """The whole answer to `request` from `app`, ready to send: status line, headers (with
    `Content-Length` and `Connection`) and body, or a 500 when the application fails."""
    environ = _environ(request, scheme=scheme, server=server, peer=peer)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        if started and (exc_info is None or exc_info[0] is None):
            raise AssertionError("start_response called twice without exc_info")
        started[:] = [(status, headers)]  # nothing is sent yet: an error may still replace it
        return written.append

    try:
        result = app(environ, start_response)
        try:
            body = b"".join([*written, *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not started:
            raise AssertionError("the application never called start_response")
        status, headers = started[0]
        return _answer(status, headers, body, request=request)
    except Exception:
        log.exception("the HTTP application failed on %s %s", request.method, request.target[:200])
        return refusal(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "the exporter failed to answer; see its log",
            keep_alive=request.keep_alive,
            head=request.method == "HEAD",
        )


def refusal(status: HTTPStatus, reason: str, *, keep_alive: bool, head: bool = False) -> bytes:
    """A short plain-text error answer."""
    body = f"{status.value} {status.phrase}: {reason}\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    method = "HEAD" if head else "GET"
    request = Request(method, "/", "HTTP/1.1", [] if keep_alive else [("Connection", "close")])
    return _answer(f"{status.value} {status.phrase}", headers, body, request=request)


def _answer(
    status: str, headers: Iterable[tuple[str, str]], body: bytes, *, request: Request
) -> bytes:
    code = int(status[:3])
    lines = [f"HTTP/1.1 {status}"]
    for name, value in headers:
        if name.lower() in {"content-length", "connection", "transfer-encoding", "date"}:
            continue  # the server's to say: it holds the whole body and decides keep-alive
        if not _TOKEN.match(name) or _BAD_VALUE.search(value):
            raise ValueError(f"the application sent a malformed header {name[:40]!r}")
        lines.append(f"{name}: {value}")
    lines.append(f"Date: {formatdate(usegmt=True)}")
    if code in _NO_BODY:
        body = b""
    else:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: keep-alive" if request.keep_alive else "Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if request.method == "HEAD" else head + body


def _environ(
    request: Request, *, scheme: str, server: tuple[str, int], peer: tuple[str, int]
) -> WSGIEnvironment:
    target = request.target
    if target.startswith(("http://", "https://")):  # absolute-form: keep the path only
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
    path, _, query = target.partition("?")
    environ: WSGIEnvironment = {
        # HEAD is GET without the body: the server drops the body, so the application
        # answers HEAD on every path without knowing of it.
        "REQUEST_METHOD": "GET" if request.method == "HEAD" else request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path.split("#", 1)[0], "latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": request.version,
        "REMOTE_ADDR": peer[0],
        "REMOTE_PORT": str(peer[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        if "_" in name:
            continue  # X_Forwarded and X-Forwarded would share one key: drop the ambiguous one
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in {"HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE"}:
            key = key.removeprefix("HTTP_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ

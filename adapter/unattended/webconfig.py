"""`serve --web-config FILE`: TLS, basic auth and response headers from the Prometheus
exporter-toolkit's web configuration file (what node_exporter's `--web.config.file` reads).

    config = WebConfig(path)                 # ConfigurationError naming the file and key
    server = HttpServer(config.guard(app), listen, tls=config.ssl_context if config.tls else None)

Top-level keys: `tls_server_config` (`adapter.unattended.webtls`), `basic_auth_users`
(`name: bcrypt hash`; empty or absent: no authentication), `http_server_config` (`headers`:
the toolkit's five security headers; `http2: true` is refused, only HTTP/1.1 is served) and
`rate_limit` (refused: not supported). Any other key is an error naming it. As in the
toolkit, the file and the files it names are looked at again on every request and
connection, and re-read when one changed (a renewed certificate needs no restart); a file
that went bad answers 500 and refuses handshakes until it is mended (the toolkit fails closed
too), said once on the log. Whether TLS is on is fixed at start. Basic auth answers 401 with
`WWW-Authenticate: Basic realm="venue-balances"` on every path alike; a password is checked
with `bcrypt.checkpw` (constant time), and a verified one is remembered as an HMAC under a key
of this process, so a busy scraper costs one bcrypt round, not one per scrape. No message
ever holds a hash or a password.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from adapter.errors import ConfigurationError
from adapter.fields import printable
from adapter.unattended.webtls import Problem, tls_context

__all__ = ["REALM", "WebConfig"]

log = logging.getLogger(__name__)

REALM = "venue-balances"
MAX_FILE = 1024 * 1024  # bytes: a web configuration file, or a certificate it names
_TOP = frozenset({"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"})
_HEADERS = {
    "Content-Security-Policy": None,
    "X-Frame-Options": {"deny", "sameorigin"},
    "X-Content-Type-Options": {"nosniff"},
    "X-XSS-Protection": None,
    "Strict-Transport-Security": None,
}
_BCRYPT = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}\Z")
# A hash of a random password nobody knows: an unknown user costs a bcrypt round like a known
# one, so the time of a 401 does not tell which user names exist.
_NOBODY = b"$2b$10$zoHv6Z6uTtvC03oOoibmr.ZxdE6O2T8.mdleIHHQ4nInF1rFVnwzy"
_Stamp = tuple[str, int, int, int] | tuple[str]


class Settings(NamedTuple):
    """One reading of the file: what it says, and the files it was read from as they were."""

    context: ssl.SSLContext | None
    users: Mapping[str, bytes]  # name: bcrypt hash
    headers: tuple[tuple[str, str], ...]
    stamps: tuple[_Stamp, ...]


class WebConfig:
    """A web configuration file, read now (a `ConfigurationError` when it is bad) and again
    whenever it or a file it names changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._settings = _read(self.path)
        self.tls = self._settings.context is not None
        self._failed: tuple[tuple[_Stamp, ...], ConfigurationError] | None = None
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)
        self._verified: dict[tuple[str, bytes], bytes] = {}  # (user, hash): HMAC of password

    def current(self) -> Settings:
        """The settings, re-read first when a file changed; ConfigurationError when the
        changed file is bad (logged once per change)."""
        settings, failed = self._settings, self._failed
        stamps = tuple(_stamp(Path(stamp[0])) for stamp in settings.stamps)
        if failed is None and stamps == settings.stamps:
            return settings
        if failed is not None and failed[0] == stamps:
            raise failed[1]  # still as bad as when last read
        with self._lock:
            try:
                settings = _read(self.path)
                if (settings.context is not None) != self.tls:
                    raise ConfigurationError(
                        f"web configuration {printable(str(self.path))}: tls_server_config:"
                        " TLS can be turned on or off only by restarting serve"
                    )
            except ConfigurationError as exc:
                log.error("%s; refusing requests until it is mended", exc)
                self._failed = (stamps, exc)
                raise
            log.warning("web configuration %s re-read", self.path)
            self._failed = None
            self._settings = settings
            return settings

    def ssl_context(self) -> ssl.SSLContext:
        """The current TLS context (for `HttpServer(tls=...)`)."""
        context = self.current().context
        if context is None:
            raise ConfigurationError(f"web configuration {self.path}: TLS is off")
        return context

    def guard(self, app: WSGIApplication) -> WSGIApplication:
        """`app` behind the file's basic auth, with its response headers added."""

        def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            try:
                settings = self.current()
            except ConfigurationError:
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                return [b"the web configuration is unusable; see the exporter's log\n"]

            def with_headers(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                names = {name.lower() for name, _ in settings.headers}
                kept = [
                    (name, value)
                    for name, value in headers
                    # Two policies both apply, so the application's CSP is kept beside the
                    # file's; any other header of the file replaces the application's.
                    if name.lower() not in names or name.lower() == "content-security-policy"
                ]
                return start_response(status, [*kept, *settings.headers], *rest)

            if settings.users and not self._authorized(settings, environ):
                with_headers(
                    "401 Unauthorized",
                    [
                        ("WWW-Authenticate", f'Basic realm="{REALM}"'),
                        ("Content-Type", "text/plain; charset=utf-8"),
                    ],
                )
                return [b"401 Unauthorized: this exporter asks for a user name and password\n"]
            return app(environ, with_headers)

        return guarded

    def _authorized(self, settings: Settings, environ: WSGIEnvironment) -> bool:
        scheme, _, encoded = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
            user, colon, password = decoded.decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        secret = password.encode()
        hashed = settings.users.get(user)
        if not colon or hashed is None or len(secret) > 72:  # bcrypt reads 72 bytes at most
            _checkpw(secret[:72], _NOBODY)
            return False
        digest = hmac.new(self._key, secret, hashlib.sha256).digest()
        known = self._verified.get((user, hashed))
        if known is not None and hmac.compare_digest(known, digest):
            return True
        if not _checkpw(secret, hashed):
            return False
        self._verified[(user, hashed)] = digest
        return True


def _checkpw(password: bytes, hashed: bytes) -> bool:
    import bcrypt

    try:
        return bool(bcrypt.checkpw(password, hashed))
    except ValueError:
        return False


def _stamp(path: Path) -> _Stamp:
    """What tells a changed file: its inode, size and modification time."""
    try:
        status = path.stat()
    except OSError:
        return (str(path),)
    return (str(path), status.st_ino, status.st_size, status.st_mtime_ns)


def _read(path: Path) -> Settings:
    """The settings `path` holds; a ConfigurationError naming the file and the key."""
    import yaml

    stamps: list[_Stamp] = []

    def read(key: str, file: Path) -> bytes:
        stamps.append(_stamp(file))  # before reading: a change while reading shows next time
        try:
            with open(file, "rb") as opened:
                data = opened.read(MAX_FILE + 1)
        except FileNotFoundError:
            raise Problem(key, f"no such file: {printable(str(file))}") from None
        except OSError as exc:
            raise Problem(key, f"cannot read {printable(str(file))}: {exc.strerror}") from None
        if len(data) > MAX_FILE:
            raise Problem(key, f"{printable(str(file))} is over {MAX_FILE} bytes")
        return data

    where = f"web configuration {printable(str(path))}"
    try:
        text = read("file", path)
        try:
            document = yaml.load(text.decode("utf-8"), Loader=_strict_loader())
        except UnicodeDecodeError:
            raise Problem("file", "is not UTF-8 text") from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            # Only the parser's own words: its snippet of the line could show a hash or key.
            raise Problem("file", f"is not valid YAML{at}: {exc.problem}") from None
        except yaml.YAMLError:
            raise Problem("file", "is not valid YAML") from None
        settings = _settings(document, path, read)
    except Problem as problem:
        raise ConfigurationError(f"{where}: {problem.key}: {problem.problem}") from None
    return settings._replace(stamps=tuple(stamps))


def _settings(document: object, path: Path, read: Callable[[str, Path], bytes]) -> Settings:
    if document is None:
        document = {}  # an empty file: no TLS, no authentication, as in the toolkit
    if not isinstance(document, dict):
        raise Problem("file", "must hold a mapping of keys (tls_server_config, ...)")
    for key in document:
        if key not in _TOP:
            raise Problem(
                printable(str(key))[:80], f"unknown key (known: {', '.join(sorted(_TOP))})"
            )
    if "rate_limit" in document:
        raise Problem("rate_limit", "is not supported by venue-balances: leave it out")
    section = _mapping(document.get("tls_server_config"), "tls_server_config")
    try:
        private = not (path.stat().st_mode & 0o077)
    except OSError:
        private = False
    context = tls_context(section, directory=path.parent, read=read, private=private)
    key_file = section.get("key_file")
    if context is not None and isinstance(key_file, str):
        key_path = path.parent / os.path.expanduser(key_file)
        with contextlib.suppress(OSError):
            if key_path.stat().st_mode & 0o077:
                log.warning("%s is readable by others than its owner: chmod 600 it", key_path)
    return Settings(
        context, _users(document.get("basic_auth_users")), _headers(document), stamps=()
    )


def _mapping(value: object, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise Problem(key, "must be a mapping of names to values")
    return value


def _users(value: object) -> dict[str, bytes]:
    users = {}
    for name, hashed in _mapping(value, "basic_auth_users").items():
        where = f"basic_auth_users.{printable(name)[:80]}"
        if ":" in name or not name:
            raise Problem(where, "a user name can hold no colon and cannot be empty")
        if not isinstance(hashed, str) or not _BCRYPT.match(hashed):
            raise Problem(
                where,
                "is not a bcrypt hash ($2y$10$ and 53 more characters; make one with"
                " `htpasswd -nBC 10 \"\" | tr -d ':\\n'`)",
            )
        users[name] = hashed.encode()
    return users


def _headers(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    section = _mapping(document.get("http_server_config"), "http_server_config")
    for key in section:
        if key not in {"http2", "headers"}:
            raise Problem(f"http_server_config.{printable(key)[:80]}", "unknown key")
    http2 = section.get("http2", False)
    if not isinstance(http2, bool):
        raise Problem("http_server_config.http2", "must be true or false")
    if http2:
        raise Problem(
            "http_server_config.http2", "venue-balances serves HTTP/1.1 only: set it to false"
        )
    headers = []
    for name, value in _mapping(section.get("headers"), "http_server_config.headers").items():
        where = f"http_server_config.headers.{printable(name)[:80]}"
        if name not in _HEADERS:
            raise Problem(where, f"cannot be set (these can: {', '.join(_HEADERS)})")
        if not isinstance(value, str) or any(c < " " or c == "\x7f" for c in value):
            raise Problem(where, "must be a string on one line, without control characters")
        allowed = _HEADERS[name]
        if allowed is not None and value and value.lower() not in allowed:
            raise Problem(where, f"must be one of {', '.join(sorted(allowed))}")
        if value:  # blank: unset, as in the toolkit
            headers.append((name, value))
    return tuple(headers)


@functools.cache
def _strict_loader() -> type[Any]:
    import yaml

    class StrictLoader(yaml.SafeLoader):
        """SafeLoader refusing a key given twice (PyYAML would keep the last silently)."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str | int | float | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"{printable(str(key))[:80]!r} is given twice",
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader

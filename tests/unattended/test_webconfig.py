"""`serve --web-config` (adapter.unattended.webconfig, .webtls): the exporter-toolkit's web
configuration file read strictly, basic auth on every path, TLS from files or inline PEM,
a renewed certificate picked up without a restart, and the CLI's exit 2 and warning."""

from __future__ import annotations

import base64
import contextlib
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from wsgiref.types import StartResponse, WSGIEnvironment

import bcrypt
import pytest

from adapter.cli.serve import load_web_config
from adapter.errors import ConfigurationError
from adapter.unattended.http import HttpServer
from adapter.unattended.webconfig import WebConfig
from tests.cli.command import BIN, CLEAN_ENV
from tests.unattended.certificates import Pair, self_signed, write

PASSWORD = "correct horse"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()  # cost 4: fast tests


def page(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Frame-Options", "ALLOW")])
    return [f"balances at {environ['PATH_INFO']}\n".encode()]


def config_file(tmp_path: Path, text: str, *, mode: int = 0o600) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text)
    path.chmod(mode)
    return path


def serving(config: WebConfig) -> HttpServer:
    tls = config.ssl_context if config.tls else None
    server = HttpServer(config.guard(page), ("127.0.0.1", 0), tls=tls, read_timeout=2.0)
    server.start()
    return server


def request(
    server: HttpServer | tuple[str, int],
    path: str = "/metrics",
    *,
    auth: str | None = None,
    method: str = "GET",
    client: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes]:
    lines = [f"{method} {path} HTTP/1.1", "Connection: close"]
    if auth is not None:
        lines.append("Authorization: Basic " + base64.b64encode(auth.encode()).decode())
    address = server.address if isinstance(server, HttpServer) else server
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(socket.create_connection(address, timeout=5))
        if client is not None:
            sock = stack.enter_context(client.wrap_socket(sock, server_hostname="localhost"))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    if not answer:
        raise ConnectionAbortedError("closed without an answer")
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *fields = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
    return int(status.split()[1]), headers, body


@pytest.fixture
def servers() -> Iterator[list[HttpServer]]:
    started: list[HttpServer] = []
    yield started
    for server in started:
        server.shutdown()


# Basic auth -----------------------------------------------------------------------------


def test_basic_auth_right_wrong_and_missing_on_every_path(
    tmp_path: Path, servers: list[HttpServer]
) -> None:
    config = WebConfig(config_file(tmp_path, f"basic_auth_users:\n  prometheus: '{HASH}'\n"))
    server = serving(config)
    servers.append(server)
    for path in ("/metrics", "/", "/anything"):
        status, _, body = request(server, path, auth=f"prometheus:{PASSWORD}")
        assert (status, body) == (200, f"balances at {path}\n".encode())
        for auth in (None, "prometheus:wrong", "nobody:" + PASSWORD, "prometheus", "x" * 200):
            status, headers, body = request(server, path, auth=auth)
            assert status == 401, auth
            assert headers["www-authenticate"] == 'Basic realm="venue-balances"'
            assert b"balances" not in body
    status, headers, body = request(server, "/metrics", method="HEAD")
    assert (status, body) == (401, b"")


def test_a_verified_password_costs_one_bcrypt_round(
    tmp_path: Path, servers: list[HttpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds = []
    checkpw = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        rounds.append(password)
        return checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    config = WebConfig(config_file(tmp_path, f"basic_auth_users:\n  prometheus: '{HASH}'\n"))
    server = serving(config)
    servers.append(server)
    for _ in range(20):
        assert request(server, auth=f"prometheus:{PASSWORD}")[0] == 200
    assert len(rounds) == 1
    assert request(server, auth="prometheus:wrong")[0] == 401  # never taken from the cache
    assert len(rounds) == 2


def test_headers_from_the_file_are_added(tmp_path: Path, servers: list[HttpServer]) -> None:
    text = (
        "http_server_config:\n  http2: false\n  headers:\n"
        "    X-Frame-Options: deny\n    Content-Security-Policy: \"default-src 'none'\"\n"
        "    X-XSS-Protection: ''\n"
    )
    server = serving(WebConfig(config_file(tmp_path, text)))
    servers.append(server)
    status, headers, _ = request(server)
    assert status == 200
    assert headers["x-frame-options"] == "deny"  # replaces the application's
    assert headers["content-security-policy"] == "default-src 'none'"
    assert "x-xss-protection" not in headers  # blank: unset


# TLS ------------------------------------------------------------------------------------


def tls_config(tmp_path: Path, pair: Pair, extra: str = "") -> tuple[Path, ssl.SSLContext]:
    write(pair, tmp_path, "server")
    text = f"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n{extra}"
    return config_file(tmp_path, text), ssl.create_default_context(cadata=pair.cert.decode())


def test_tls_and_basic_auth_together(tmp_path: Path, servers: list[HttpServer]) -> None:
    path, client = tls_config(
        tmp_path, self_signed(), f"basic_auth_users:\n  prometheus: '{HASH}'\n"
    )
    server = serving(WebConfig(path))
    servers.append(server)
    assert request(server, client=client, auth=f"prometheus:{PASSWORD}")[0] == 200
    assert request(server, client=client)[0] == 401
    with pytest.raises(ssl.SSLCertVerificationError):
        request(server, client=ssl.create_default_context())  # does not trust it
    with socket.create_connection(server.address, timeout=5) as plain:
        plain.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        assert plain.recv(100) == b""  # plain HTTP: no answer at all


def test_inline_cert_and_key(tmp_path: Path, servers: list[HttpServer]) -> None:
    pair = self_signed()
    indent = "\n    "
    text = (
        f"tls_server_config:\n  cert: |{indent}{indent.join(pair.cert.decode().splitlines())}\n"
        f"  key: |{indent}{indent.join(pair.key.decode().splitlines())}\n"
    )
    server = serving(WebConfig(config_file(tmp_path, text)))
    servers.append(server)
    client = ssl.create_default_context(cadata=pair.cert.decode())
    assert request(server, client=client)[0] == 200


def test_a_renewed_certificate_is_served_without_a_restart(
    tmp_path: Path, servers: list[HttpServer]
) -> None:
    old, new = self_signed(), self_signed()
    path, old_client = tls_config(tmp_path, old)
    server = serving(WebConfig(path))
    servers.append(server)
    assert request(server, client=old_client)[0] == 200
    write(new, tmp_path, "server")  # as certbot would renew it
    new_client = ssl.create_default_context(cadata=new.cert.decode())
    assert request(server, client=new_client)[0] == 200
    with pytest.raises(ssl.SSLCertVerificationError):
        request(server, client=old_client)


def test_a_file_gone_bad_fails_closed_until_mended(
    tmp_path: Path, servers: list[HttpServer], caplog: pytest.LogCaptureFixture
) -> None:
    path = config_file(tmp_path, f"basic_auth_users:\n  prometheus: '{HASH}'\n")
    server = serving(WebConfig(path))
    servers.append(server)
    good = path.read_text()
    path.write_text("basic_auth_users: [oops\n")
    for _ in range(3):
        assert request(server, auth=f"prometheus:{PASSWORD}")[0] == 500
    assert caplog.text.count("is not valid YAML") == 1  # said once, not per request
    path.write_text(good + "\n")
    assert request(server, auth=f"prometheus:{PASSWORD}")[0] == 200


def test_mutual_tls(tmp_path: Path, servers: list[HttpServer]) -> None:
    client_pair = self_signed("prometheus")
    ca, client_key = write(client_pair, tmp_path, "client")
    path, client = tls_config(
        tmp_path,
        self_signed(),
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client.crt\n",
    )
    server = serving(WebConfig(path))
    servers.append(server)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        request(server, client=client)  # no client certificate
    client.load_cert_chain(ca, client_key)
    assert request(server, client=client)[0] == 200


def test_cipher_suites_and_versions_are_applied(tmp_path: Path, servers: list[HttpServer]) -> None:
    extra = (
        "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n"
    )
    path, client = tls_config(tmp_path, self_signed(), extra)
    server = serving(WebConfig(path))
    servers.append(server)
    with (
        socket.create_connection(server.address, timeout=5) as raw,
        client.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() == "TLSv1.2"
        assert tls.cipher()[0] == "ECDHE-ECDSA-CHACHA20-POLY1305"


# Mistakes: each is a ConfigurationError naming the file and the key ---------------------

PEM = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
MISTAKES = [
    ("basic_auth_users: [oops\n", "file: is not valid YAML at line 2"),
    ("- a list\n", "file: must hold a mapping"),
    ("basic_auth_user:\n  a: b\n", "basic_auth_user: unknown key"),
    ("basic_auth_users:\n  a: b\n  a: c\n", "'a' is given twice"),
    ("basic_auth_users: [a, b]\n", "basic_auth_users: must be a mapping"),
    ("basic_auth_users:\n  alice: plain-password\n", "basic_auth_users.alice: is not a bcrypt"),
    ("basic_auth_users:\n  alice: 12\n", "basic_auth_users.alice: is not a bcrypt"),
    ("rate_limit:\n  interval: 1s\n", "rate_limit: is not supported"),
    ("http_server_config:\n  http2: true\n", "http_server_config.http2: venue-balances serves"),
    ("http_server_config:\n  http2: 'no'\n", "http_server_config.http2: must be true or false"),
    ("http_server_config:\n  headers:\n    Server: x\n", "headers.Server: cannot be set"),
    (
        "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
        "headers.X-Frame-Options: must be one of deny, sameorigin",
    ),
    ("tls_server_config:\n  cert_file: nowhere.crt\n  key_file: server.key\n", "no such file"),
    ("tls_server_config:\n  cert_file: server.crt\n", "key_file: missing"),
    ("tls_server_config:\n  min_version: TLS12\n", "names no cert_file and key_file"),
    ("tls_server_config:\n  certfile: x\n", "tls_server_config.certfile: unknown key"),
    (PEM + "  client_allowed_sans: [a]\n", "client_allowed_sans: is not supported"),
    (PEM + "  curve_preferences: [X25519]\n", "curve_preferences: is not supported"),
    (PEM + "  min_version: TLS10\n", "min_version: TLS10 is not offered"),
    (PEM + "  min_version: TLS13\n  max_version: TLS12\n", "min_version: is above max_version"),
    (PEM + "  client_auth_type: RequireAnyClientCert\n", "client_auth_type: RequireAnyClientCert"),
    (PEM + "  client_auth_type: Always\n", "client_auth_type: must be one of"),
    (PEM + "  client_auth_type: RequireAndVerifyClientCert\n", "client_ca_file: missing"),
    (PEM + "  client_ca_file: server.crt\n", "client_ca_file: is set but client_auth_type"),
    (PEM + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n", "not one of the suites offered"),
    (PEM + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "is a TLS 1.3 suite"),
    (PEM + "  prefer_server_cipher_suites: 1\n", "must be true or false"),
    ("tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n", "not a PEM cert"),
    ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n", "not an unencrypted"),
    ("tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n", "does not match"),
    ("tls_server_config:\n  cert_file: server.crt\n  cert: x\n", "give cert or cert_file"),
]


@pytest.mark.parametrize(("text", "expected"), MISTAKES, ids=[m[1][:40] for m in MISTAKES])
def test_each_mistake_is_an_error_naming_the_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    write(self_signed(), tmp_path, "server")
    write(self_signed(), tmp_path, "other")
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigurationError) as raised:
        WebConfig(path)
    message = raised.value.message
    assert message.startswith(f"web configuration {path}: ")
    assert expected in message
    assert "plain-password" not in message and "BEGIN" not in message


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"web\.yml: file: no such file"):
        WebConfig(tmp_path / "web.yml")
    (tmp_path / "dir.yml").mkdir()
    with pytest.raises(ConfigurationError, match=r"dir\.yml: file: cannot read"):
        WebConfig(tmp_path / "dir.yml")


def test_an_inline_key_needs_a_private_file(tmp_path: Path) -> None:
    pair = self_signed()
    text = "tls_server_config:\n  cert: |\n    {}\n  key: |\n    {}\n".format(
        "\n    ".join(pair.cert.decode().splitlines()),
        "\n    ".join(pair.key.decode().splitlines()),
    )
    with pytest.raises(ConfigurationError, match="chmod 600") as raised:
        WebConfig(config_file(tmp_path, text, mode=0o644))
    assert "PRIVATE KEY" not in raised.value.message


def test_an_empty_file_means_no_tls_and_no_auth(tmp_path: Path) -> None:
    config = WebConfig(config_file(tmp_path, ""))
    assert not config.tls
    assert config.current().users == {}


def test_a_hash_never_shows_in_a_message(tmp_path: Path) -> None:
    broken = HASH[:-1] + "!"  # one character off: not bcrypt's alphabet
    with pytest.raises(ConfigurationError) as raised:
        WebConfig(config_file(tmp_path, f"basic_auth_users:\n  bob: '{broken}'\n"))
    assert HASH[7:30] not in raised.value.message


# Through the CLI ------------------------------------------------------------------------


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "venue-balances"), "serve", "--sandbox", "--no-record", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or CLEAN_ENV,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_serve_with_a_bad_web_config_exits_2_before_anything_starts(tmp_path: Path) -> None:
    path = config_file(tmp_path, "basic_auth_users:\n  alice: not-a-hash\n")
    port = free_port()
    process = serve("--web-config", str(path), "--listen", f"127.0.0.1:{port}")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"web configuration {path}: basic_auth_users.alice: is not a bcrypt hash" in stderr
    assert "not-a-hash" not in stderr and "Traceback" not in stderr
    assert "serving" not in stderr and "SIMULATED" not in stderr  # nothing started
    missing = serve("--web-config", str(tmp_path / "none.yml"), "--listen", f"127.0.0.1:{port}")
    assert missing.communicate(timeout=30)[0] == "" and missing.returncode == 2


def test_serve_over_tls_with_basic_auth(tmp_path: Path) -> None:
    pair = self_signed()
    write(pair, tmp_path, "server")
    path = config_file(tmp_path, PEM + f"basic_auth_users:\n  prometheus: '{HASH}'\n")
    port = free_port()
    process = serve("--web-config", str(path), "--listen", f"127.0.0.1:{port}")
    client = ssl.create_default_context(cadata=pair.cert.decode())
    server = ("127.0.0.1", port)

    def scraped() -> bool:
        try:
            status, _, body = request(server, auth=f"prometheus:{PASSWORD}", client=client)
        except OSError:
            return False
        return status == 200 and b"venue_balances_up" in body

    try:
        assert until(scraped)
        assert request(server, client=client)[0] == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert f"serving https://127.0.0.1:{port}/metrics" in stderr
    assert "warning" not in stderr


def test_serving_beyond_loopback_without_web_config_is_warned_about() -> None:
    process = serve("--listen", f"0.0.0.0:{free_port()}")
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while not any("serving http" in line for line in lines):
            line = process.stderr.readline()
            assert line, "serve ended: " + "".join(lines)
            lines.append(line)
    finally:
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=10)[1]
    warnings = [line for line in ("".join(lines) + rest).splitlines() if "--web-config" in line]
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0] and "exact balances" in warnings[0]
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("localhost", False),
     ("::", True), ("192.0.2.7", True), ("exporter.example", True)],
)  # fmt: skip
def test_which_hosts_are_warned_about(
    host: str, warned: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load_web_config(None, (host, 9464)) is None
    assert ("exact balances" in capsys.readouterr().err) == warned


def recorded(db: Path) -> int:
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(db, timeout=1)) as connection:
            return int(connection.execute("SELECT count(*) FROM snapshot").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def test_sigterm_ends_serve_within_a_second_even_with_the_history_locked(
    tmp_path: Path,
) -> None:
    import sqlite3

    db = tmp_path / "history.sqlite3"
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "venue-balances"), "serve", "--sandbox", "--record", str(db),
         "--listen", f"127.0.0.1:{port}", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CLEAN_ENV, text=True,
    )  # fmt: skip
    locker = None
    try:
        assert until(lambda: recorded(db) > 0)
        locker = sqlite3.connect(db, timeout=10)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the history
        time.sleep(0.6)  # a poll or two now waits on the lock
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
        took = time.monotonic() - started
    finally:
        if locker is not None:
            locker.rollback()
            locker.close()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert took < 1.5, f"SIGTERM took {took:.2f} s"  # the contract's second, plus slack
    assert "may be missing from the history" in stderr

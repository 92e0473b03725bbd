"""The exporter's HTTP server (adapter.unattended.http): idle and trickling sockets hold no
handler and are dropped after the read timeout, 200 concurrent scrapes are all answered,
HEAD, bounded heads, no bodies, TLS handshakes in the loop, prompt shutdown.

Scaled down from the contract's figures (1,000 idle sockets, 10 s) to stay fast; the full
sizes are in scripts/bench_exporter.py. Bounds on time are generous: the machine is shared.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
from prometheus_client import CollectorRegistry, Gauge, make_wsgi_app

from adapter.unattended.http import HttpServer, connection_bound
from tests.unattended.certificates import self_signed, write

READ_TIMEOUT = 1.0  # seconds
HANDLERS = 2


def app() -> object:
    registry = CollectorRegistry()
    Gauge("venue_balances_up", "up", registry=registry).set(1)
    metrics = make_wsgi_app(registry)

    def routes(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/metrics":
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        if path == "/boom":
            raise RuntimeError("a bug in a page")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [b"<p>status</p>"]

    return routes


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer(
        app(),  # type: ignore[arg-type]
        ("127.0.0.1", 0),
        read_timeout=READ_TIMEOUT,
        handlers=HANDLERS,
    ) as running:
        running.start()
        yield running


def exchange(address: tuple[str, int], request: bytes, *, timeout: float = 5.0) -> bytes:
    """Send `request` on a new connection and read until the server closes it."""
    with socket.create_connection(address, timeout=timeout) as client:
        client.sendall(request)
        return read_all(client)


def read_all(client: socket.socket) -> bytes:
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def split(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def get(address: tuple[str, int], path: str = "/metrics", method: str = "GET") -> bytes:
    return exchange(address, f"{method} {path} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def closed_by_server(client: socket.socket, within: float) -> bytes | None:
    """What the server sent before closing `client`, or None if still open after `within` s."""
    client.settimeout(within)
    try:
        return read_all(client)
    except TimeoutError:
        return None
    except ConnectionResetError:
        return b""


def test_idle_sockets_hold_no_handler_and_are_dropped_after_the_read_timeout(
    server: HttpServer,
) -> None:
    threads_before = threading.active_count()
    idle = [socket.create_connection(server.address) for _ in range(40)]
    trickling = [socket.create_connection(server.address) for _ in range(10)]
    try:
        for client in trickling:
            client.sendall(b"GET /metrics HTTP/1.1\r\nX-Slow: ")  # never finished
        assert wait_for(lambda: server.connections == 50)
        # Every handler is free: scrapes are answered while 50 sockets wait.
        for _ in range(5):
            status, _, body = split(get(server.address))
            assert status == 200 and b"venue_balances_up 1.0" in body
        assert threading.active_count() <= threads_before + 1  # no thread per connection
        started = time.monotonic()
        for client in idle + trickling:
            assert closed_by_server(client, within=10) == b"", "dropped without an answer"
        assert time.monotonic() - started < 8  # 1 s read timeout, plus a busy machine's slack
        assert wait_for(lambda: server.connections == 0)
    finally:
        for client in idle + trickling:
            client.close()


def test_a_request_trickling_in_is_dropped_at_the_read_timeout(server: HttpServer) -> None:
    with socket.create_connection(server.address) as client:
        started = time.monotonic()
        sent = b""
        try:
            for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n":
                client.sendall(bytes([byte]))
                sent += bytes([byte])
                time.sleep(0.1)  # 36 bytes at 10 a second: 3.6 s, well past the timeout
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = closed_by_server(client, within=10)
    assert answer == b""
    assert len(sent) < 36, "the server waited for the whole trickle"
    assert READ_TIMEOUT * 0.9 <= time.monotonic() - started < 8


def test_200_concurrent_scrapes_are_all_answered(server: HttpServer) -> None:
    async def scrape() -> bytes:
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        return answer

    async def scrapes() -> list[bytes | BaseException]:
        tasks = [asyncio.wait_for(scrape(), 20) for _ in range(200)]
        return await asyncio.gather(*tasks, return_exceptions=True)

    answers = asyncio.run(scrapes())
    statuses = [split(a)[0] if isinstance(a, bytes) else repr(a) for a in answers]
    assert statuses == [200] * 200


@pytest.mark.parametrize("path", ["/metrics", "/", "/nowhere?x=1"])
def test_head_is_answered_as_get_without_a_body(server: HttpServer, path: str) -> None:
    status, headers, body = split(get(server.address, path))
    head_status, head_headers, head_body = split(get(server.address, path, method="HEAD"))
    assert status == head_status == 200
    assert head_body == b""
    assert int(head_headers["content-length"]) == len(body) > 0
    assert head_headers["content-type"] == headers["content-type"]


def test_keep_alive_and_pipelined_requests_share_a_connection(server: HttpServer) -> None:
    request = b"GET /metrics HTTP/1.1\r\n\r\n"
    answer = exchange(server.address, request * 2 + b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    assert answer.endswith(b"<p>status</p>")


def test_a_head_over_64_kib_is_refused(server: HttpServer) -> None:
    request = b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    try:
        answer = exchange(server.address, request)
    except (BrokenPipeError, ConnectionResetError):
        return  # refused before it was all sent: closed all the same
    assert split(answer)[0] == 431


def test_too_many_header_fields_are_refused(server: HttpServer) -> None:
    fields = b"".join(b"X-%d: 1\r\n" % n for n in range(150))
    assert split(exchange(server.address, b"GET / HTTP/1.1\r\n" + fields + b"\r\n"))[0] == 431


@pytest.mark.parametrize(
    "head",
    [b"Content-Length: 5\r\n", b"Transfer-Encoding: chunked\r\n"],
    ids=["content-length", "chunked"],
)
def test_a_request_body_is_refused_unread(server: HttpServer, head: bytes) -> None:
    answer = exchange(server.address, b"POST /metrics HTTP/1.1\r\n" + head + b"\r\nhello")
    assert split(answer)[0] == 413
    assert answer.count(b"HTTP/1.1") == 1  # "hello" was not taken for a next request


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /metrics HTTP/2.0\r\n\r\n", 505),
        (b"GET metrics HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400),
    ],
)
def test_malformed_requests_get_400s(server: HttpServer, request_line: bytes, status: int) -> None:
    assert split(exchange(server.address, request_line))[0] == status


def test_a_failing_page_is_a_500_and_the_server_goes_on(
    server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert split(get(server.address, "/boom"))[0] == 500
    assert "a bug in a page" in caplog.text  # the traceback goes to the log, not the client
    assert split(get(server.address))[0] == 200


def test_when_full_the_longest_waiting_connection_makes_room() -> None:
    with HttpServer(app(), ("127.0.0.1", 0), max_connections=10) as server:  # type: ignore[arg-type]
        server.start()
        idle = [socket.create_connection(server.address) for _ in range(10)]
        try:
            assert wait_for(lambda: server.connections == 10)
            assert split(get(server.address))[0] == 200
            assert closed_by_server(idle[0], within=5) == b""  # the oldest made room
            assert server.connections <= 10
        finally:
            for client in idle:
                client.close()


def test_shutdown_is_prompt_with_connections_open(server: HttpServer) -> None:
    idle = [socket.create_connection(server.address) for _ in range(20)]
    try:
        assert split(get(server.address))[0] == 200
        started = time.monotonic()
        server.shutdown()
        assert time.monotonic() - started < 1.0
        for client in idle:
            assert closed_by_server(client, within=5) == b""
        with pytest.raises(OSError):
            get(server.address)
    finally:
        for client in idle:
            client.close()


def test_a_taken_address_fails_at_construction(server: HttpServer) -> None:
    with pytest.raises(OSError):
        HttpServer(app(), server.address)  # type: ignore[arg-type]


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = HttpServer(app(), ("::1", 0))  # type: ignore[arg-type]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with server:
        server.start()
        assert split(get(server.address))[0] == 200


def test_the_connection_bound_stays_below_the_file_limit() -> None:
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        bound = connection_bound(10**9)
        soft_after, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))  # the rest of the suite's
    assert soft_after >= soft
    assert 0 < bound < soft_after
    if soft < 4096 + 256 <= hard:
        assert soft_after > soft  # raised toward the hard limit


# TLS: the handshake happens in the loop, under the read timeout -------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[HttpServer, ssl.SSLContext]]:
    cert, key = write(self_signed(), tmp_path, "server")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=cert)
    with HttpServer(
        app(),  # type: ignore[arg-type]
        ("127.0.0.1", 0),
        tls=lambda: context,
        read_timeout=READ_TIMEOUT,
        handlers=HANDLERS,
    ) as server:
        server.start()
        yield server, client


def tls_get(address: tuple[str, int], client: ssl.SSLContext, path: str = "/metrics") -> bytes:
    with (
        socket.create_connection(address, timeout=5) as raw,
        client.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(f"GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
        return read_all(tls)


def test_tls_serves_a_client_that_trusts_the_certificate(
    tls_server: tuple[HttpServer, ssl.SSLContext],
) -> None:
    server, client = tls_server
    status, _, body = split(tls_get(server.address, client))
    assert status == 200 and b"venue_balances_up 1.0" in body


def test_plain_http_to_a_tls_port_gets_no_answer(
    tls_server: tuple[HttpServer, ssl.SSLContext],
) -> None:
    server, _ = tls_server
    with socket.create_connection(server.address, timeout=5) as plain:
        plain.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        assert closed_by_server(plain, within=5) == b""


def test_clients_that_never_handshake_block_nobody(
    tls_server: tuple[HttpServer, ssl.SSLContext],
) -> None:
    server, client = tls_server
    threads_before = threading.active_count()
    silent = [socket.create_connection(server.address) for _ in range(20)]
    for sock in silent[::2]:
        sock.sendall(b"\x16\x03\x01\x02\x00")  # a handshake record begun, never finished
    try:
        assert split(tls_get(server.address, client))[0] == 200
        assert threading.active_count() <= threads_before
        for sock in silent:
            assert closed_by_server(sock, within=10) == b""  # dropped at the read timeout
    finally:
        for sock in silent:
            sock.close()

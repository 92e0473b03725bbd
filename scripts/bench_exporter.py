"""Benchmark: `venue-balances serve` under 1,000 idle or trickling connections and 200
concurrent scrapes (the contract's figures for the exporter under load).

    uv run python scripts/bench_exporter.py [--idle 1000] [--scrapes 200] [--tls]

Runs `serve --sandbox --no-record --interval 1` in a child process and, while the sockets
are held, measures: sequential scrape times, whether polls go on (the sandbox's last success
timestamp keeps moving), 200 concurrent scrapes (all answered? how long?), the child's
threads, open descriptors and memory (from /proc: Linux), and, after the 10 s read timeout,
that the held sockets were dropped. With `--tls`, serve runs behind a web configuration with
a throwaway self-signed certificate, and every scrape does a handshake of its own (the held
sockets never start theirs). Prints one line per figure. Exit status 1 when a target
is missed. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import re
import resource
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BIN = Path(sys.executable).parent / "venue-balances"
SUCCESS = re.compile(rb"venue_balances_last_success_timestamp_seconds\{[^}]*\} (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TLS: ssl.SSLContext | None = None  # the client's, with --tls


def scrape(port: int, timeout: float = 10.0) -> bytes:
    scheme = "https" if TLS else "http"
    url = f"{scheme}://localhost:{port}/metrics"
    with urllib.request.urlopen(url, timeout=timeout, context=TLS) as answer:
        return bytes(answer.read())


def web_config(directory: Path) -> Path:
    """A web configuration with a fresh self-signed certificate for localhost; sets TLS."""
    global TLS
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "server.crt").write_bytes(pem)
    (directory / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "server.key").chmod(0o600)
    config = directory / "web.yml"
    config.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    TLS = ssl.create_default_context(cadata=pem.decode())
    return config


def last_success(body: bytes) -> float:
    return max((float(m.group(1)) for m in SUCCESS.finditer(body)), default=0.0)


def proc(pid: int) -> dict[str, int]:
    """The child's threads, open descriptors and resident memory (KiB)."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "threads": int(fields["Threads"]),
        "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
        "rss_kib": int(fields["VmRSS"].split()[0]),
    }


async def concurrent_scrapes(port: int, count: int) -> tuple[int, float]:
    """(answered with 200, seconds for all) of `count` scrapes sent at once."""

    async def one() -> bool:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=TLS, server_hostname="localhost" if TLS else None
        )
        try:
            writer.write(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
            answer = await reader.read()
            return answer.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    started = time.monotonic()
    results = await asyncio.gather(
        *(asyncio.wait_for(one(), 30) for _ in range(count)), return_exceptions=True
    )
    return sum(r is True for r in results), time.monotonic() - started


def hold(port: int, count: int) -> list[socket.socket]:
    """`count` connections: half idle, half with a request head (with --tls, a handshake
    record's header) begun and never finished."""
    begun = b"\x16\x03\x01\x02\x00" if TLS else b"GET /metrics HTTP/1.1\r\nX-Trickle: "
    held = []
    for n in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        if n % 2:
            client.sendall(begun)
        held.append(client)
    return held


def run(idle: int, scrapes: int, options: list[str]) -> bool:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = idle + scrapes + 256
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    port = free_port()
    listen = f"127.0.0.1:{port}"
    command = ["serve", "--sandbox", "--no-record", "--interval", "1", "--listen", listen]
    child = subprocess.Popen(
        [str(BIN), *command, *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ok = True
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline and last_success(body) == 0:
            with contextlib.suppress(OSError):
                body = scrape(port)
            time.sleep(0.1)
        before = proc(child.pid)
        print(f"idle server: {before['threads']} threads, {before['fds']} descriptors,"
              f" {before['rss_kib'] / 1024:.0f} MiB")  # fmt: skip

        started = time.monotonic()
        held = hold(port, idle)
        begun = "a handshake" if TLS else "a request head"
        print(f"{idle} connections opened in {time.monotonic() - started:.2f} s"
              f" (half idle, half {begun} begun)")  # fmt: skip
        success_then = last_success(scrape(port))
        times = []
        for _ in range(20):
            t0 = time.monotonic()
            scrape(port)
            times.append(time.monotonic() - t0)
        loaded = proc(child.pid)
        print(f"scrapes with {idle} held: median {statistics.median(times) * 1000:.1f} ms,"
              f" max {max(times) * 1000:.1f} ms (20 sequential)")  # fmt: skip
        answered, took = asyncio.run(concurrent_scrapes(port, scrapes))
        during = proc(child.pid)
        print(f"{scrapes} concurrent scrapes with {idle} held: {answered} answered"
              f" in {took:.2f} s")  # fmt: skip
        ok &= answered == scrapes
        time.sleep(1.5)  # at least one poll interval
        polled = last_success(scrape(port)) > success_then
        print(f"polls go on while {idle} are held: {'yes' if polled else 'NO'}")
        ok &= polled
        threads = max(loaded["threads"], during["threads"])
        print(f"child under load: {threads} threads (idle: {before['threads']}),"
              f" {max(loaded['fds'], during['fds'])} descriptors,"
              f" {max(loaded['rss_kib'], during['rss_kib']) / 1024:.0f} MiB")  # fmt: skip
        ok &= threads <= before["threads"] + 2
        opened = time.monotonic()
        for client in held:
            client.settimeout(max(0.1, opened + 15 - time.monotonic()))
            with contextlib.suppress(OSError):
                while client.recv(4096):
                    pass
        dropped = proc(child.pid)
        print(f"held sockets dropped by the read timeout after {time.monotonic() - started:.1f} s"
              f" from opening; child back to {dropped['fds']} descriptors")  # fmt: skip
        ok &= dropped["fds"] <= before["fds"] + 10
    finally:
        for client in held:
            client.close()
        child.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        try:
            child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
        print(f"SIGTERM to exit: {time.monotonic() - stopping:.2f} s (status {child.returncode})")
        ok &= child.returncode == 0
    print("all targets met" if ok else "A TARGET WAS MISSED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=1000, help="connections to hold")
    parser.add_argument("--scrapes", type=int, default=200, help="concurrent scrapes")
    parser.add_argument("--tls", action="store_true", help="serve and scrape over TLS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        options = ["--web-config", str(web_config(Path(directory)))] if args.tls else []
        return 0 if run(args.idle, args.scrapes, options) else 1


if __name__ == "__main__":
    sys.exit(main())

"""A local simulator of both venues' balance endpoints, on 127.0.0.1, over real HTTP/1.1.

It checks every request the way the venues do (Kalshi: RSA-PSS or Ed25519 over
timestamp + METHOD + path without query; CoinSwitch: Ed25519 over METHOD + decoded path
with query + epoch; timestamps more than 60 s off are refused), serves configurable
balances and the documented errors, injects faults on demand, and counts requests and
the peak number in flight. `venue-balances --sandbox` and the tests run against it.

    with Sandbox.demo() as sandbox, sandbox.client() as client:
        report = client.all_balances(sandbox.coinswitch_subaccounts)

Verification can be switched off (`sandbox.verify = False`) for benchmarks only.
"""

from __future__ import annotations

import base64
import collections
import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from adapter.client import AsyncBalanceClient, BalanceClient
from adapter.domain import Venue
from adapter.signing import CoinSwitchSigner, KalshiSigner

__all__ = ["Fault", "Sandbox", "Seen"]

KALSHI_PATH = "/trade-api/v2/portfolio/subaccounts/balances"
COINSWITCH_PATH = "/dma/api/v1/master/subaccount/balance"
SKEW_LIMIT_MS = 60_000
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

# Sample data of `Sandbox.demo()`: Kalshi primary and two subaccounts; CoinSwitch three
# subaccounts, one with unrealised PnL and two coins (INR = USDT x 84.50, half-up).
SAMPLE_UPDATED_TS = 1763751540  # 2025-11-21T18:59:00Z
SAMPLE_KALSHI = {0: "1500.2500", 1: "320.75", 2: "0.123456"}
SAMPLE_COINSWITCH: dict[int, dict[str, Any]] = {
    1001: {
        "subaccount_id": 1001,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {
            "totalEquity": "5000.00",
            "totalEquityINR": "422500.00",
            "coin": [
                {
                    "coin": "USDT",
                    "equity": "5000.00",
                    "equityINR": "422500.00",
                    "walletBalance": "5000.00",
                    "walletBalanceINR": "422500.00",
                }
            ],
        },
        "is_active": True,
    },
    1002: {
        "subaccount_id": 1002,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {
            "totalEquity": "10750.25",
            "totalEquityINR": "908396.13",
            "coin": [
                {
                    "coin": "USDT",
                    "equity": "10500.25",
                    "equityINR": "887271.13",
                    "walletBalance": "10000.00",
                    "walletBalanceINR": "845000.00",
                    "unrealisedPnl": "500.25",
                    "unrealisedPnlINR": "42271.13",
                },
                {
                    "coin": "USDC",
                    "equity": "250.00",
                    "equityINR": "21125.00",
                    "walletBalance": "250.00",
                    "walletBalanceINR": "21125.00",
                },
            ],
        },
        "is_active": True,
    },
    1003: {
        "subaccount_id": 1003,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {
            "totalEquity": "42.10",
            "totalEquityINR": "3557.45",
            "coin": [
                {
                    "coin": "USDT",
                    "equity": "42.10",
                    "equityINR": "3557.45",
                    "walletBalance": "42.10",
                    "walletBalanceINR": "3557.45",
                }
            ],
        },
        "is_active": False,
    },
}


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


class _Server(http.server.ThreadingHTTPServer):
    # socketserver's default backlog of 5 overflows under fan-out; a SYN dropped there is
    # retried after 1 s (facts/loopback-http.md).
    request_queue_size = 128
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Sandbox


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Nagle + delayed ACK stall keep-alive responses ~40 ms; every response is also
        # written in one send (see _send).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox._connected()

    arrived = 0.0

    def do_GET(self) -> None:
        self.arrived = time.monotonic()
        self.server.sandbox._handle(self)

    def do_POST(self) -> None:
        self.arrived = time.monotonic()
        self.server.sandbox._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; the sandbox keeps its own log of requests

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
        trickle: float = 0.0,  # seconds between bytes
    ) -> None:
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}".rstrip()]
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        if not trickle:
            self.wfile.write(data)
            return
        for index in range(len(data)):
            time.sleep(trickle if index else 0)
            try:
                self.wfile.write(data[index : index + 1])
            except OSError:  # the client has given up
                self.close_connection = True
                return


class Sandbox:
    """Both venues' balance endpoints on 127.0.0.1, checking signatures like the venues do."""

    def __init__(
        self,
        *,
        kalshi_key_id: str | None = None,
        kalshi_public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey | None = None,
        coinswitch_api_keys: Iterable[str] = (),
        kalshi_balances: dict[int, str] | None = None,
        coinswitch_accounts: dict[int, dict[str, Any]] | None = None,
        foreign_subaccounts: Iterable[int] = (),
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.kalshi_key_id = kalshi_key_id
        self.kalshi_public_key = kalshi_public_key
        self.coinswitch_api_keys = {key.lower() for key in coinswitch_api_keys}
        # Kalshi's spec (3.22.0 on) requires exchange_index; the sample cash is all on shard 0.
        self.kalshi_rows: list[dict[str, Any]] = [
            {
                "subaccount_number": n,
                "exchange_index": 0,
                "balance": b,
                "updated_ts": SAMPLE_UPDATED_TS,
            }
            for n, b in (kalshi_balances or {}).items()
        ]
        self.coinswitch_accounts: dict[int, dict[str, Any]] = dict(coinswitch_accounts or {})
        self.foreign_subaccounts = set(foreign_subaccounts)
        self.verify = True
        self.latency = 0.0
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._faults: dict[Venue, collections.deque[Fault]] = {
            venue: collections.deque() for venue in Venue
        }
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0
        self.requests = 0
        self.connections = 0
        self.log: collections.deque[Seen] = collections.deque(maxlen=100_000)
        self._server: _Server | None = None
        self._kalshi_key: rsa.RSAPrivateKey | None = None
        self._coinswitch_secret: str | None = None

    # Life cycle ------------------------------------------------------------------------

    @classmethod
    def demo(cls) -> Sandbox:
        """A sandbox with throwaway keys (see `kalshi_signer`/`coinswitch_signer`) and the
        sample balances: Kalshi 0, 1, 2; CoinSwitch 1001, 1002, 1003 (2001 is another
        master's: 403; any other id: 404)."""
        kalshi_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        coinswitch_key = ed25519.Ed25519PrivateKey.generate()
        api_key = coinswitch_key.public_key().public_bytes_raw().hex()
        sandbox = cls(
            kalshi_key_id="sandbox-key",
            kalshi_public_key=kalshi_key.public_key(),
            coinswitch_api_keys=[api_key],
            kalshi_balances=SAMPLE_KALSHI,
            coinswitch_accounts=SAMPLE_COINSWITCH,
            foreign_subaccounts=[2001],
        )
        sandbox._kalshi_key = kalshi_key
        sandbox._coinswitch_secret = coinswitch_key.private_bytes_raw().hex()
        return sandbox

    @property
    def coinswitch_subaccounts(self) -> list[int]:
        """The CoinSwitch subaccounts this sandbox serves balances for."""
        return sorted(self.coinswitch_accounts)

    def kalshi_signer(self, *, clock: Callable[[], int] | None = None) -> KalshiSigner:
        """A signer with the demo's throwaway Kalshi key."""
        if self._kalshi_key is None or self.kalshi_key_id is None:
            raise RuntimeError("only Sandbox.demo() holds a Kalshi private key")
        return KalshiSigner(self.kalshi_key_id, self._kalshi_key, clock=clock)

    def coinswitch_signer(self, *, clock: Callable[[], int] | None = None) -> CoinSwitchSigner:
        """A signer with the demo's throwaway CoinSwitch key."""
        if self._coinswitch_secret is None:
            raise RuntimeError("only Sandbox.demo() holds a CoinSwitch secret key")
        secret = self._coinswitch_secret
        public = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret)).public_key()
        return CoinSwitchSigner(public.public_bytes_raw().hex(), secret, clock=clock)

    def client(self, **options: Any) -> BalanceClient:
        """A BalanceClient with the demo's keys, pointed at this sandbox."""
        return BalanceClient(**self._client_arguments(options))

    def async_client(self, **options: Any) -> AsyncBalanceClient:
        """An AsyncBalanceClient with the demo's keys, pointed at this sandbox."""
        return AsyncBalanceClient(**self._client_arguments(options))

    def _client_arguments(self, options: dict[str, Any]) -> dict[str, Any]:
        return {
            "kalshi": self.kalshi_signer(),
            "coinswitch": self.coinswitch_signer(),
            "kalshi_base_url": self.kalshi_base_url,
            "coinswitch_base_url": self.coinswitch_base_url,
            **options,
        }

    def start(self) -> Sandbox:
        if self._server is None:
            self._server = _Server(("127.0.0.1", 0), _Handler)
            self._server.sandbox = self
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="venue-balances-sandbox",
                daemon=True,
            ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def kalshi_base_url(self) -> str:
        return self.url + "/trade-api/v2"

    @property
    def coinswitch_base_url(self) -> str:
        return self.url

    # Faults and counters ---------------------------------------------------------------

    def inject(self, venue: Venue | str, fault: Fault, times: int = 1) -> None:
        """Answer the next `times` requests to `venue` with `fault` (after verification)."""
        with self._lock:
            self._faults[Venue(venue)].extend([fault] * times)

    def fail_next(self, venue: Venue | str, times: int = 1, *, status: int = 429) -> None:
        """The next requests get `status` with the venue's documented body (429: Kalshi's
        `{"error": "too many requests"}`, no Retry-After)."""
        self.inject(venue, Fault(status=status), times)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered (e.g. one a client gave up on)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self._in_flight == 0:
                    return True
            time.sleep(0.01)
        return False

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.peak_in_flight = 0
            self.connections = 0
            self.log.clear()

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _take_fault(self, venue: Venue) -> Fault | None:
        with self._lock:
            faults = self._faults[venue]
            return faults.popleft() if faults else None

    # Requests --------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        with self._lock:
            self.requests += 1
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            self._answer(handler)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, handler: _Handler) -> None:
        target = handler.path
        path = urlsplit(target).path
        venue = {KALSHI_PATH: Venue.KALSHI, COINSWITCH_PATH: Venue.COINSWITCH_DMA}.get(path)
        if self.latency:
            time.sleep(self.latency)
        if venue is None:
            status, body = 404, {"message": f"no such endpoint: {path}"}
            return self._reply(handler, None, status, body, None, None)
        headers = handler.headers
        if venue is Venue.KALSHI:
            stamp, signature = (
                headers.get("KALSHI-ACCESS-TIMESTAMP"),
                headers.get("KALSHI-ACCESS-SIGNATURE"),
            )
        else:
            stamp, signature = headers.get("X-AUTH-EPOCH"), headers.get("X-AUTH-SIGNATURE")
        if handler.command != "GET":
            return self._reply(
                handler, venue, 405, {"message": "method not allowed"}, stamp, signature
            )
        refusal = self._verify(venue, handler) if self.verify else None
        if refusal is not None:
            return self._reply(handler, venue, *refusal, stamp, signature)
        fault = self._take_fault(venue)
        if fault is not None:
            return self._fault(handler, venue, fault, stamp, signature)
        status, body = self._kalshi() if venue is Venue.KALSHI else self._coinswitch(target)
        return self._reply(handler, venue, status, body, stamp, signature)

    def _reply(
        self,
        handler: _Handler,
        venue: Venue | None,
        status: int,
        body: Any,
        stamp: str | None,
        signature: str | None,
        *,
        content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self._record(handler, venue, status, stamp, signature)
        handler._send(status, data, content_type, headers)

    def _record(
        self,
        handler: _Handler,
        venue: Venue | None,
        status: int,
        stamp: str | None,
        signature: str | None,
    ) -> None:
        seen = Seen(venue, handler.command, handler.path, status, stamp, signature, handler.arrived)
        self.log.append(seen)

    def _fault(
        self,
        handler: _Handler,
        venue: Venue,
        fault: Fault,
        stamp: str | None,
        signature: str | None,
    ) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self._record(handler, venue, 0, stamp, signature)
            handler.close_connection = True
            return
        if fault.trickle:
            status, answer = (
                self._kalshi() if venue is Venue.KALSHI else self._coinswitch(handler.path)
            )
            self._record(handler, venue, status, stamp, signature)
            handler._send(
                status, json.dumps(answer).encode(), "application/json", (), fault.trickle
            )
            return
        body = fault.body if fault.body is not None else _documented_body(venue, fault.status)
        if fault.truncate:
            self._record(handler, venue, 0, stamp, signature)
            full = body if body else b'{"subaccount_balances": []}'
            head = f"HTTP/1.1 {fault.status} OK\r\nContent-Type: {fault.content_type}\r\n"
            head += f"Content-Length: {len(full)}\r\n\r\n"
            handler.wfile.write(head.encode() + full[: len(full) // 2])
            handler.close_connection = True
            return
        self._reply(
            handler,
            venue,
            fault.status,
            body,
            stamp,
            signature,
            content_type=fault.content_type,
            headers=fault.headers,
        )

    # Verification ----------------------------------------------------------------------

    def _verify(self, venue: Venue, handler: _Handler) -> tuple[int, dict[str, str]] | None:
        if venue is Venue.KALSHI:
            return self._verify_kalshi(handler)
        return self._verify_coinswitch(handler)

    def _skewed(self, stamp: str) -> bool:
        return not stamp.isdigit() or abs(int(stamp) - self._clock()) > SKEW_LIMIT_MS

    def _verify_kalshi(self, handler: _Handler) -> tuple[int, dict[str, str]] | None:
        def refuse(message: str) -> tuple[int, dict[str, str]]:
            return 401, {"code": "unauthorized", "message": message, "details": ""}

        key_id = handler.headers.get("KALSHI-ACCESS-KEY")
        stamp = handler.headers.get("KALSHI-ACCESS-TIMESTAMP")
        signature = handler.headers.get("KALSHI-ACCESS-SIGNATURE")
        if not (key_id and stamp and signature):
            return refuse("missing authentication headers")
        if key_id != self.kalshi_key_id or self.kalshi_public_key is None:
            return refuse("unknown API key")
        if self._skewed(stamp):
            return refuse("request timestamp is too far from server time")
        message = f"{stamp}{handler.command}{urlsplit(handler.path).path}".encode()
        try:
            raw = base64.b64decode(signature, validate=True)
            key = self.kalshi_public_key
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(raw, message, _PSS, hashes.SHA256())
            else:
                key.verify(raw, message)
        except (InvalidSignature, ValueError):
            return refuse("invalid signature")
        return None

    def _verify_coinswitch(self, handler: _Handler) -> tuple[int, dict[str, str]] | None:
        api_key = handler.headers.get("X-AUTH-APIKEY")
        epoch = handler.headers.get("X-AUTH-EPOCH")
        signature = handler.headers.get("X-AUTH-SIGNATURE")
        if not api_key:
            return 401, {"message": "X-Auth-Apikey header is required"}
        if not epoch:
            return 400, {"message": "X-AUTH-EPOCH header is required"}
        if api_key.lower() not in self.coinswitch_api_keys:
            return 401, {"message": "invalid or expired API key"}
        if not signature:
            return 401, {"message": "X-Auth-Signature header is required"}
        if self._skewed(epoch):
            return 401, {"message": "X-AUTH-EPOCH is outside the allowed window"}
        message = f"{handler.command}{unquote_plus(handler.path)}{epoch}".encode()
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(api_key))
            key.verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return 401, {"message": "invalid signature"}
        return None

    # Answers ---------------------------------------------------------------------------

    def _kalshi(self) -> tuple[int, Any]:
        return 200, {"subaccount_balances": list(self.kalshi_rows)}

    def _coinswitch(self, target: str) -> tuple[int, Any]:
        query = parse_qs(urlsplit(target).query)
        values = query.get("subaccount_id")
        if not values:
            return 400, {"message": "subaccount_id query parameter is required"}
        text = values[0]
        if not text.isdigit():
            message = f'invalid subaccount_id "{text[:20]}": must be a valid numeric identifier'
            return 400, {"message": message}
        number = int(text)
        if number in self.foreign_subaccounts:
            return 403, {"message": "subaccount does not belong to master account"}
        account = self.coinswitch_accounts.get(number)
        if account is None:
            return 404, {"message": "subaccount not found"}
        return 200, {"message": "success", "data": account}


def _documented_body(venue: Venue, status: int) -> bytes:
    if venue is Venue.KALSHI:
        if status == 429:
            return b'{"error": "too many requests"}'
        return json.dumps({"code": "error", "message": f"HTTP {status}", "details": ""}).encode()
    messages = {429: "too many requests", 500: "internal server error"}
    return json.dumps({"message": messages.get(status, f"HTTP {status}")}).encode()

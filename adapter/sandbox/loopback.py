"""The sandbox's loopback HTTP/1.1 server: what it puts on the wire, byte by byte.

One send per response (Nagle and delayed ACKs would stall keep-alive answers ~40 ms), a
listen backlog of 128 (a fan-out overflows socketserver's 5), and the byte-level faults
the tests rely on: a trickle of one byte at a time, a body cut in half, no answer at all.
"""

from __future__ import annotations

import http.server
import socket
import time
from typing import Any, Protocol

import httpx

from adapter.sandbox.faults import Answer
from adapter.venues.simulation import Request, Response


class Answering(Protocol):
    """What the server asks of the sandbox it serves."""

    def answer(self, request: Request) -> Answer:
        """What to put on the wire for one request."""

    def connected(self) -> None:
        """Count a connection accepted."""


__all__ = ["Answering", "LoopbackServer", "loopback_server"]


class LoopbackServer(http.server.ThreadingHTTPServer):
    # socketserver's default backlog of 5 overflows under fan-out; a SYN dropped there is
    # retried after 1 s (facts/loopback-http.md).
    request_queue_size = 128
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Answering

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up (a deadline, a close()) is nothing to print


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        # Nagle + delayed ACK stall keep-alive responses ~40 ms; every response is also
        # written in one send (see _send).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox.connected()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; the sandbox keeps its own log of requests

    def _serve(self) -> None:
        headers = httpx.Headers(list(self.headers.items()))
        answer = self.server.sandbox.answer(Request(self.command, self.path, headers))
        response = answer.response
        if response is None:
            self.close_connection = True
            return
        if answer.truncate:
            head = f"HTTP/1.1 {response.status} OK\r\nContent-Type: {response.content_type}\r\n"
            full = response.body or b'{"message": "cut short"}'
            head += f"Content-Length: {len(full)}\r\n\r\n"
            self.wfile.write(head.encode() + full[: len(full) // 2])
            self.close_connection = True
            return
        self._send(response, answer.trickle)

    def _send(self, response: Response, trickle: float = 0.0) -> None:  # seconds between bytes
        status = response.status
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}".rstrip()]
        lines += [f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body
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


def loopback_server(sandbox: Answering) -> LoopbackServer:
    """A server on 127.0.0.1 (a free port) answering with `sandbox`; not yet serving."""
    server = LoopbackServer(("127.0.0.1", 0), _Handler)
    server.sandbox = sandbox
    return server

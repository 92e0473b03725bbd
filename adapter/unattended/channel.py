"""A connection's bytes for the HTTP server's event loop: plain, or TLS on memory BIOs.

Why not asyncio's streams and SSL transport: they keep buffers sized for throughput (the
SSL protocol alone allocates 256 KiB per connection), which 1,000 idle connections turn
into hundreds of MiB. Here a connection holds its socket, a request head of at most
`wsgi.MAX_HEAD` bytes read `CHUNK` bytes at a time, and for TLS an `ssl.SSLObject` whose
handshake waits until the client has sent something (an idle socket costs no TLS state).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from http import HTTPStatus

from adapter.unattended.wsgi import MAX_HEAD, Refused

__all__ = ["CHUNK", "Channel", "TlsChannel", "read_head"]

CHUNK = 16 * 1024  # bytes read at a time: one TLS record


class Channel:
    """A plain TCP connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()

    async def recv(self) -> bytes:
        """The next bytes the client sent; b"" once it has closed."""
        return await self.loop.sock_recv(self.sock, CHUNK)

    async def send(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.sock, data)

    def close(self) -> None:
        self.sock.close()


class TlsChannel(Channel):
    """A TLS connection, the handshake and records done by an `ssl.SSLObject` in memory."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext) -> None:
        super().__init__(sock)
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)

    async def handshake(self) -> None:
        """The server's side of the handshake; ssl.SSLError when the client is not speaking
        TLS or not trusted, EOFError when it leaves half-way."""
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush()
                if not await self._fill():
                    raise EOFError("the client left during the handshake") from None
        await self._flush()  # the last flight, and TLS 1.3's session tickets

    async def recv(self) -> bytes:
        while True:
            try:
                return self._tls.read(CHUNK)
            except ssl.SSLWantReadError:
                await self._flush()
                if not await self._fill():
                    return b""
            except ssl.SSLZeroReturnError:  # the client's close_notify
                return b""

    async def send(self, data: bytes) -> None:
        self._tls.write(data)  # into memory: never waits on the network
        await self._flush()

    def close(self) -> None:
        # close_notify, best effort and without waiting: a client reading to the end of the
        # stream (OpenSSL 3) would otherwise see an unexpected EOF rather than a clean close.
        with contextlib.suppress(ssl.SSLError, ValueError):
            self._tls.unwrap()
        with contextlib.suppress(OSError):
            self.sock.send(self._outgoing.read())
        self.sock.close()

    async def _fill(self) -> bool:
        data = await self.loop.sock_recv(self.sock, CHUNK)
        if not data:
            self._incoming.write_eof()
            return False
        self._incoming.write(data)
        return True

    async def _flush(self) -> None:
        data = self._outgoing.read()
        if data:
            await self.loop.sock_sendall(self.sock, data)


async def readable(sock: socket.socket) -> None:
    """Returns once the client has sent something (or closed)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


async def read_head(channel: Channel, buffer: bytearray) -> bytes:
    """The next request head (through its empty line) from `buffer` and then `channel`; what
    follows it stays in `buffer` (a pipelined request). EOFError when the client closes
    first, `Refused` (431) when no head ends within `MAX_HEAD` bytes."""
    searched = 0
    while True:
        end = buffer.find(b"\r\n\r\n", searched)
        if end >= 0:
            head = bytes(buffer[: end + 4])
            del buffer[: end + 4]
            return head
        if len(buffer) > MAX_HEAD:
            raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large")
        searched = max(0, len(buffer) - 3)  # a trickle is searched once, not byte by byte
        data = await channel.recv()
        if not data:
            raise EOFError("the client closed the connection")
        buffer += data

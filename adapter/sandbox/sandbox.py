"""Every venue's simulator on 127.0.0.1, over real HTTP/1.1 (or in memory, as a transport).

The simulators (`adapter/venues/<venue>/simulator.py`) check signatures and clocks the way
the venues do and answer from their state; the sandbox routes requests to them, injects
faults on demand, adds latency, and counts requests and the peak number in flight.
`venue-balances --sandbox`, the tests and the benchmark run against it.

    with Sandbox.demo() as sandbox, sandbox.client() as client:
        report = client.all_balances(...)

Verification can be switched off (`sandbox.verify = False`) for benchmarks only.

Here: routing, faults, counters, latency and the in-memory transport; the loopback
server's byte-level behaviours are `loopback`'s, the faults and log entries `faults`'.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from adapter.domain import Venue
from adapter.sandbox.faults import Answer, Fault, Seen
from adapter.sandbox.loopback import LoopbackServer, loopback_server
from adapter.venues import DEFINITIONS
from adapter.venues.simulation import (
    Request,
    Response,
    Simulator,
    json_response,
    request_from_httpx,
)

__all__ = ["Sandbox"]


class Sandbox:
    """Every venue's simulator behind one address on 127.0.0.1."""

    def __init__(self, simulators: Iterable[Simulator]) -> None:
        self.simulators = {simulator.venue: simulator for simulator in simulators}
        self.latency = 0.0  # seconds added to every answer
        self._faults: dict[Venue, collections.deque[Fault]] = {
            venue: collections.deque() for venue in self.simulators
        }
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0
        self.requests = 0
        self.connections = 0
        self.log: collections.deque[Seen] = collections.deque(maxlen=100_000)
        self._server: LoopbackServer | None = None

    # Life cycle ------------------------------------------------------------------------------

    @classmethod
    def demo(cls, **options: Any) -> Sandbox:
        """Every venue's demo simulator (throwaway keys, sample balances); `options` are
        the simulators' own (each venue's `simulator` says which it takes)."""
        left = dict(options)
        sandbox = cls(definition.simulator(left) for definition in DEFINITIONS)
        if left:
            raise TypeError(f"no venue simulator takes {', '.join(sorted(left))}")
        return sandbox

    def simulator(self, venue: Venue | str) -> Any:
        """One venue's simulator (its own type: see `adapter/venues/<venue>/simulator.py`)."""
        return self.simulators[Venue(venue)]

    @property
    def verify(self) -> bool:
        return all(simulator.verify for simulator in self.simulators.values())

    @verify.setter
    def verify(self, value: bool) -> None:
        for simulator in self.simulators.values():
            simulator.verify = value

    def start(self) -> Sandbox:
        if self._server is None:
            self._server = loopback_server(self)
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

    def base_url(self, venue: Venue | str) -> str:
        """A venue's base URL on this sandbox."""
        return self.simulators[Venue(venue)].base_url(self.url)

    # Clients -----------------------------------------------------------------------------------

    def client_options(self, **options: Any) -> dict[str, Any]:
        """Balance client keyword arguments: every venue's demo keys and base URL here."""
        arguments: dict[str, Any] = {}
        for definition in DEFINITIONS:
            arguments |= self.simulators[definition.venue].client_options()
            arguments[definition.base_url_option] = self.base_url(definition.venue)
        return {**arguments, **options}

    def client(self, **options: Any) -> Any:
        """A BalanceClient with the demo's keys, pointed at this sandbox."""
        from adapter.client import BalanceClient

        return BalanceClient(**self.client_options(**options))

    def async_client(self, **options: Any) -> Any:
        """An AsyncBalanceClient with the demo's keys, pointed at this sandbox."""
        from adapter.client import AsyncBalanceClient

        return AsyncBalanceClient(**self.client_options(**options))

    def environment(self, directory: Path) -> dict[str, str]:
        """Environment variables that configure every venue for this sandbox, as a user's
        shell would hold them (key files written into `directory`)."""
        variables: dict[str, str] = {}
        for definition in DEFINITIONS:
            variables |= self.simulators[definition.venue].environment(directory)
            variables[definition.base_url_variable] = self.base_url(definition.venue)
        return variables

    def transport(self) -> httpx.MockTransport:
        """The sandbox in memory, as an httpx transport (sync and async): the same
        simulators, faults and counters, without sockets (latency and trickle aside)."""
        return httpx.MockTransport(self._in_memory)

    # Faults and counters -----------------------------------------------------------------------

    def inject(self, venue: Venue | str, fault: Fault, times: int = 1) -> None:
        """Answer the next `times` requests to `venue` with `fault` (after verification)."""
        with self._lock:
            self._faults[Venue(venue)].extend([fault] * times)

    def fail_next(self, venue: Venue | str, times: int = 1, *, status: int = 429) -> None:
        """The next requests get `status` with the venue's documented body."""
        self.inject(venue, Fault(status=status), times)

    def clear_faults(self) -> None:
        with self._lock:
            for faults in self._faults.values():
                faults.clear()

    def connected(self) -> None:
        """Count a connection the loopback server accepted."""
        with self._lock:
            self.connections += 1

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

    def drift(self, step: int) -> None:
        """Move every venue's balances a little (step 1, 2, ...: the same steps give the same
        balances), so that a demo exporter or history chart has something to show."""
        for simulator in self.simulators.values():
            simulator.drift(step)

    def reset(self) -> None:
        """Counters, faults and latency cleared, verification on: as after `demo()`."""
        self.reset_counters()
        self.clear_faults()
        self.latency = 0.0
        self.verify = True

    # Answers -----------------------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        """What to send back for one request, counted and logged."""
        arrived = time.monotonic()
        with self._lock:
            self.requests += 1
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            answer, venue, stamp = self._answer(request)
        finally:
            with self._lock:
                self._in_flight -= 1
        status = 0 if answer.response is None or answer.truncate else answer.response.status
        self.log.append(Seen(venue, request.method, request.target, status, *stamp, arrived))
        return answer

    def _answer(self, request: Request) -> tuple[Answer, Venue | None, tuple[Any, Any]]:
        if self.latency:
            time.sleep(self.latency)
        simulator = next((s for s in self.simulators.values() if s.owns(request.path)), None)
        if simulator is None:
            missing = json_response(404, {"message": f"no such endpoint: {request.path}"})
            return Answer(missing), None, (None, None)
        stamp = simulator.stamp(request)
        refusal = simulator.refuse(request)  # a wrong signature is refused before any fault
        if refusal is not None:
            return Answer(refusal), simulator.venue, stamp
        with self._lock:
            faults = self._faults[simulator.venue]
            fault = faults.popleft() if faults else None
        if fault is None:
            return Answer(simulator.answer(request)), simulator.venue, stamp
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            return Answer(None), simulator.venue, stamp
        if fault.trickle:
            return Answer(simulator.answer(request), trickle=fault.trickle), simulator.venue, stamp
        body = fault.body if fault.body is not None else simulator.error_body(fault.status)
        canned = Response(fault.status, body, fault.content_type, fault.headers)
        return Answer(canned, truncate=fault.truncate), simulator.venue, stamp

    def _in_memory(self, request: httpx.Request) -> httpx.Response:
        answer = self.answer(request_from_httpx(request))
        response = answer.response
        if response is None:
            raise httpx.RemoteProtocolError("the server closed the connection without answering")
        if answer.truncate:
            raise httpx.RemoteProtocolError("the server closed the connection mid-body")
        headers = [("Content-Type", response.content_type), *response.headers]
        return httpx.Response(response.status, headers=headers, content=response.body)

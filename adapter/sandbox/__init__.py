"""Every venue's simulator on 127.0.0.1, over real HTTP/1.1 (or in memory, as a transport).

    with Sandbox.demo() as sandbox, sandbox.client() as client:
        report = client.all_balances(...)

    sandbox.py   Sandbox: the simulators behind one address; routing, faults, counters
    loopback.py  the HTTP/1.1 server, byte by byte
    faults.py    Fault (what to answer instead), Seen (the log of requests), Answer
    accounts.py  SimulatedAccounts: a sandbox per account of an accounts file

`venue-balances --sandbox`, the tests and the benchmark run against it.
"""

from adapter.sandbox.accounts import Named, SimulatedAccounts
from adapter.sandbox.faults import Fault, Seen
from adapter.sandbox.sandbox import Sandbox

__all__ = ["Fault", "Named", "Sandbox", "Seen", "SimulatedAccounts"]

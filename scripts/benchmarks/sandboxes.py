"""The bodies the benchmark reads, each sandbox in a process of its own, and the keys that
sign for them."""

from __future__ import annotations

import base64
import inspect
import multiprocessing
import multiprocessing.connection
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

import adapter
from adapter.sandbox import Sandbox
from adapter.venues.coinswitch_dma.simulator import (
    CONSOLIDATED_PATH,
    SAMPLE_ACCOUNTS,
    CoinSwitchSimulator,
)
from adapter.venues.kalshi.simulator import BULK_PATH, KalshiSimulator
from adapter.venues.simulation import Request

ROOT = Path(__file__).resolve().parent.parent


KALSHI_PATH = BULK_PATH


COINSWITCH_TARGET = "/dma/api/v1/master/subaccount/balance?subaccount_id=1"


PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


KALSHI_ROWS = (3, 64, 256)
"""Kalshi bulk bodies timed: a small master, 64 subaccounts on one shard, 64 on four."""


MASTER_CHILDREN = 200
"""Children of the CoinSwitch master read whole (and whose consolidated body is mapped)."""


MASTER_LATENCY = 0.03  # seconds the sandbox adds to every answer while the master is read


def kalshi_shards(rows: int) -> dict[int, dict[int, str]]:
    """Cash per subaccount and shard giving `rows` bulk rows: up to 64 subaccounts on
    shard 0, beyond that 64 subaccounts on rows // 64 shards each; varied digits."""
    per_subaccount = max(1, rows // 64)
    subaccounts = min(rows, 64)
    shards: dict[int, dict[int, str]] = {}
    for number in range(subaccounts):
        held = {}
        for index in range(per_subaccount):
            units = (number * 7919 + index * 104_729) % 10_000_000  # 1/10,000 dollar
            held[index] = f"{units // 10_000}.{units % 10_000:04d}"
        shards[number] = held
    return shards


def kalshi_simulator(rows: int) -> KalshiSimulator:
    shards = kalshi_shards(rows)
    simulator = KalshiSimulator(
        shards=shards, portfolio_values={number: number * 100 for number in shards}
    )
    assert len(simulator.rows()) == rows, (len(simulator.rows()), rows)
    return simulator


def kalshi_body(rows: int) -> bytes:
    """The bulk body the sandbox serves for `rows` rows, byte for byte."""
    request = Request("GET", BULK_PATH, {})
    return kalshi_simulator(rows).answer(request).body


def consolidated_body(children: int) -> bytes:
    """The consolidated body of the demo's master with `children` generated children."""
    request = Request("GET", CONSOLIDATED_PATH, {})
    return CoinSwitchSimulator.demo(children).answer(request).body


def coinswitch_accounts(count: int) -> dict[int, dict[str, Any]]:
    """Children 1..count, each shaped like the demo's first child."""
    return {n: dict(SAMPLE_ACCOUNTS[1001], subaccount_id=n) for n in range(1, count + 1)}


def serve(conn: multiprocessing.connection.Connection, spec: dict[str, Any]) -> None:
    """Child process: run a sandbox as `spec` says and obey commands from the parent.

    spec: kalshi_rows (a Kalshi simulator with that many bulk rows), coinswitch_children
    (children 1..n), coinswitch_demo (the demo's generated children 1001..1000+n), latency,
    consolidated (False: the consolidated endpoint answers 404, so that a whole master is
    read one child at a time).
    """
    simulators: list[Any] = []
    if spec.get("kalshi_rows"):
        simulators.append(kalshi_simulator(spec["kalshi_rows"]))
    if spec.get("coinswitch_children"):
        simulators.append(
            CoinSwitchSimulator(accounts=coinswitch_accounts(spec["coinswitch_children"]))
        )
    if spec.get("coinswitch_demo"):
        simulators.append(CoinSwitchSimulator.demo(spec["coinswitch_demo"]))
        simulators[-1].consolidated = spec.get("consolidated", True)
    sandbox = Sandbox(simulators)
    sandbox.verify = False
    sandbox.latency = spec.get("latency", 0.0)
    with sandbox:
        conn.send(sandbox.url)
        while True:
            command, value = conn.recv()
            if command == "stop":
                break
            if command == "latency":
                sandbox.latency = value
            elif command == "reset":
                sandbox.wait_idle()
                sandbox.reset_counters()
            conn.send({"requests": sandbox.requests, "peak_in_flight": sandbox.peak_in_flight})


class RemoteSandbox:
    """A sandbox in a child process; its process starts at once, `ready()` waits for it."""

    def __init__(self, **spec: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, spec), daemon=True)
        self._process.start()
        self.url = ""

    def ready(self) -> RemoteSandbox:
        if not self.url:
            self.url = self._conn.recv()
        return self

    def command(self, name: str, value: Any = None) -> dict[str, int]:
        self._conn.send((name, value))
        answer: dict[str, int] = self._conn.recv()
        return answer

    def close(self) -> None:
        if self._process.is_alive():
            self.ready()
            self._conn.send(("stop", None))
        self._process.join(5)


class Keys:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.ed_public = self.ed.public_key().public_bytes_raw().hex()
        self.signs = 0

    def clock(self) -> int:
        self.signs += 1  # the signers call their clock once per signature
        return time.time_ns() // 1_000_000

    def kalshi_headers(self) -> dict[str, str]:
        """Kalshi's headers: RSA-PSS over ms timestamp + method + path, base64."""
        stamp = str(time.time_ns() // 1_000_000)
        signature = self.rsa.sign(f"{stamp}GET{KALSHI_PATH}".encode(), PSS, hashes.SHA256())
        return {
            "KALSHI-ACCESS-KEY": "bench",
            "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
            "KALSHI-ACCESS-TIMESTAMP": stamp,
        }

    def coinswitch_headers(self) -> dict[str, str]:
        """CoinSwitch's headers: Ed25519 over method + path with query + epoch ms, hex."""
        epoch = str(time.time_ns() // 1_000_000)
        return {
            "X-AUTH-APIKEY": self.ed_public,
            "X-AUTH-SIGNATURE": self.ed.sign(f"GET{COINSWITCH_TARGET}{epoch}".encode()).hex(),
            "X-AUTH-EPOCH": epoch,
        }

    def kalshi_signer(self) -> adapter.KalshiSigner:
        return adapter.KalshiSigner("bench", self.rsa, clock=self.clock)

    def coinswitch_signer(self) -> adapter.CoinSwitchSigner:
        secret = self.ed.private_bytes_raw().hex()
        return adapter.CoinSwitchSigner(self.ed_public, secret, clock=self.clock)


def kalshi_options(url: str, **extra: Any) -> dict[str, Any]:
    return {"kalshi_base_url": url + "/trade-api/v2", "kalshi_rate_limit": None, **extra}


def coinswitch_options(url: str, **extra: Any) -> dict[str, Any]:
    return {"coinswitch_base_url": url, "coinswitch_rate_limit": None, **extra}


def both_options(url: str, keys: Keys, **extra: Any) -> dict[str, Any]:
    return {
        "kalshi": keys.kalshi_signer(),
        "coinswitch": keys.coinswitch_signer(),
        **kalshi_options(url),
        **coinswitch_options(url),
        **extra,
    }


def client_default(option: str) -> Any:
    """A BalanceClient option's default value."""
    return inspect.signature(adapter.BalanceClient).parameters[option].default

"""Signatures: the cost of one, and how many each HTTP attempt makes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes

import adapter
from benchmarks.sandboxes import PSS, Keys, RemoteSandbox, both_options


def signing(keys: Keys, count: int) -> dict[str, float]:
    message = b"1703123456789GET/trade-api/v2/portfolio/subaccounts/balances"

    def timed(sign: Callable[[], object]) -> float:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(count):
                sign()
            runs.append((time.perf_counter() - started) / count)
        return statistics.median(runs) * 1e6

    return {
        "rsa_pss_2048_us": timed(lambda: keys.rsa.sign(message, PSS, hashes.SHA256())),
        "ed25519_us": timed(lambda: keys.ed.sign(message)),
    }


def signatures_per_attempt(sandbox: RemoteSandbox, keys: Keys) -> float:
    sandbox.command("reset")
    keys.signs = 0
    with adapter.BalanceClient(**both_options(sandbox.url, keys)) as client:
        for _ in range(20):
            client.kalshi_balances()
            client.coinswitch_balances([1, 2, 3])
    requests = sandbox.command("counters")["requests"]
    return keys.signs / requests

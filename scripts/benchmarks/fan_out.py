"""Fan-out: many children read at once, against the time the in-flight bound allows."""

from __future__ import annotations

import asyncio
import inspect
import statistics
import time
from typing import Any

import adapter
from benchmarks.sandboxes import Keys, RemoteSandbox, both_options
from benchmarks.timing import timed_call


def fan_out(
    sandbox: RemoteSandbox, keys: Keys, sizes: list[int], latency: float
) -> list[dict[str, Any]]:
    sandbox.command("latency", latency)
    options = both_options(sandbox.url, keys, timeout=60.0)
    results = []
    with adapter.BalanceClient(**options) as client:
        one = statistics.median(timed_call(lambda: client.coinswitch_balance(1)) for _ in range(15))
    bound = inspect.signature(adapter.BalanceClient).parameters["max_in_flight"].default
    for size in sizes:
        ids = list(range(1, size + 1))
        for mode in ("sync", "async"):
            for method in ("coinswitch_balances", "all_balances"):
                wall = run_fan_out(mode, method, options, ids, sandbox)
                counters = sandbox.command("counters")
                requests = counters["requests"]
                expected = size + (method == "all_balances")
                assert requests == expected, (requests, expected)
                results.append(
                    {
                        "n": size,
                        "mode": mode,
                        "method": method,
                        "wall_s": wall,
                        "requests_per_s": requests / wall,
                        "peak_in_flight": counters["peak_in_flight"],
                        "sequential_s": requests * one,
                        "ratio_to_sequential": wall / (requests * one),
                        "ideal_s": -(-requests // bound) * latency,
                    }
                )
    sandbox.command("latency", 0.0)
    return results


def run_fan_out(
    mode: str, method: str, options: dict[str, Any], ids: list[int], sandbox: RemoteSandbox
) -> float:
    """Wall time of one fan-out, on a client that has called both venues once before (as
    a poller's would have), with the sandbox's counters reset just before."""
    if mode == "sync":
        with adapter.BalanceClient(**options) as client:
            client.coinswitch_balance(1)
            client.kalshi_balances()
            sandbox.command("reset")
            started = time.perf_counter()
            outcome = getattr(client, method)(ids)
            wall = time.perf_counter() - started
    else:

        async def run() -> tuple[Any, float]:
            async with adapter.AsyncBalanceClient(**options) as client:
                await client.coinswitch_balance(1)
                await client.kalshi_balances()
                sandbox.command("reset")
                started = time.perf_counter()
                result = await getattr(client, method)(ids)
                return result, time.perf_counter() - started

        outcome, wall = asyncio.run(run())
    if method == "all_balances":
        assert not outcome.errors, outcome.errors[:3]
    return wall

"""The whole CoinSwitch master: one consolidated request, and one request per child."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import adapter
from benchmarks.sandboxes import MASTER_CHILDREN, Keys, RemoteSandbox, client_default
from benchmarks.timing import (
    Sample,
    async_batch,
    median_of,
    median_ratio,
    paced,
    rounds_of,
    sync_batch,
)


def whole_master(
    sandbox: RemoteSandbox,
    keys: Keys,
    loop: asyncio.AbstractEventLoop,
    rounds: int,
    per_child: int,
) -> dict[str, Any]:
    """The whole CoinSwitch master at default settings and the sandbox's added latency:
    one consolidated all_balances() against one master-balance request, interleaved in
    rounds; then all_balances(ids) one request per child, once per mode."""
    rate = client_default("coinswitch_rate_limit")
    interval = 1.0 / rate

    def options(**extra: Any) -> dict[str, Any]:
        return {"coinswitch": keys.coinswitch_signer(), "coinswitch_base_url": sandbox.url, **extra}

    one, whole = adapter.BalanceClient(**options()), adapter.BalanceClient(**options())
    async_one = adapter.AsyncBalanceClient(**options())
    async_whole = adapter.AsyncBalanceClient(**options())

    def consolidated() -> None:
        _complete(whole.all_balances(), MASTER_CHILDREN + 1)

    async def async_consolidated() -> None:
        _complete(await async_whole.all_balances(), MASTER_CHILDREN + 1)

    # Each client is called at most at its limiter's rate, as a poller would: the timed
    # call never waits for the limiter.
    variants = {
        "one request": paced(sync_batch(one.coinswitch_master_balance, 1), interval),
        "consolidated": paced(sync_batch(consolidated, 1), interval),
        "async one request": paced(
            async_batch(loop, async_one.coinswitch_master_balance, 1), interval
        ),
        "async consolidated": paced(async_batch(loop, async_consolidated, 1), interval),
    }
    try:
        samples = rounds_of(variants, rounds, warmup=1)
    finally:
        one.close()
        whole.close()
        loop.run_until_complete(async_one.aclose())
        loop.run_until_complete(async_whole.aclose())
    wall_ms = {name: median_of(samples, name, 0) * 1000 for name in samples}
    result: dict[str, Any] = {
        "children": MASTER_CHILDREN,
        "rate_limit_per_s": rate,
        "max_in_flight": client_default("max_in_flight"),
        "rounds": rounds,
        "wall_ms": wall_ms,
        "cpu_ms": {name: median_of(samples, name, 1) * 1000 for name in samples},
        "ratios": {
            f"{prefix}consolidated/one request": median_ratio(
                samples, f"{prefix}consolidated", f"{prefix}one request"
            )
            for prefix in ("", "async ")
        },
        "per_child": [],
    }
    ids = list(range(1001, 1001 + per_child))
    # The CLI's deadline for such a fetch: the default timeout plus what the limiter needs.
    timeout = client_default("timeout") + per_child / rate
    for mode in ("sync", "async"):
        one_ms = wall_ms[f"{'async ' if mode == 'async' else ''}one request"]
        row = per_child_read(mode, sandbox, loop, options(timeout=timeout), ids, interval)
        bound = (per_child - 1) * interval + one_ms / 1000
        row |= {
            "timeout_s": timeout,
            "limiter_bound_s": bound,
            "ratio_to_limiter_bound": row["wall_s"] / bound,
            "ratio_to_one_request": row["wall_s"] * 1000 / one_ms,
        }
        result["per_child"].append(row)
    return result


def _complete(report: Any, count: int) -> None:
    assert not report.errors and len(report.balances) == count, (
        report.errors[:3],
        len(report.balances),
    )


def per_child_read(
    mode: str,
    sandbox: RemoteSandbox,
    loop: asyncio.AbstractEventLoop,
    options: dict[str, Any],
    ids: list[int],
    interval: float,
) -> dict[str, Any]:
    """all_balances(ids) once, on a client that has made one call before (its connection
    open, its limiter idle again)."""

    async def read_async() -> tuple[Any, Sample]:
        async with adapter.AsyncBalanceClient(**options) as client:
            await client.coinswitch_balance(ids[0])
            await asyncio.sleep(interval)
            sandbox.command("reset")
            wall, cpu = time.perf_counter(), time.process_time()
            report = await client.all_balances(ids)
            return report, (time.perf_counter() - wall, time.process_time() - cpu)

    if mode == "async":
        report, (wall, cpu) = loop.run_until_complete(read_async())
    else:
        with adapter.BalanceClient(**options) as client:
            client.coinswitch_balance(ids[0])
            time.sleep(interval)
            sandbox.command("reset")
            wall, cpu = time.perf_counter(), time.process_time()
            report = client.all_balances(ids)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counters = sandbox.command("counters")
    return {
        "mode": mode,
        "n": len(ids),
        "wall_s": wall,
        "cpu_s": cpu,
        "requests": counters["requests"],
        "peak_in_flight": counters["peak_in_flight"],
        "balances": len(report.balances),
        "errors": len(report.errors),
    }

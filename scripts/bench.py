"""Benchmark venue-balances against the floor, side by side, in one run.

    uv run python scripts/bench.py            # the full run (a few minutes)
    uv run python scripts/bench.py --quick    # a small version, in seconds

The sandbox runs in a separate process on 127.0.0.1 (so the server does not share the
client's interpreter lock) with signature checks off while timing. Variants are
interleaved in rounds, each round timing a batch of calls per variant in rotating order,
after a warm-up; figures are medians over rounds and ratios are medians of per-round
ratios, so that drift of a shared machine hits every variant alike.

Measured:
  per call    BalanceClient.kalshi_balances() / coinswitch_balance() vs the floor (a
              minimal hand-rolled signed httpx GET of the same endpoint, body parsed as
              JSON) vs the same GET unsigned; the async client alike
  signing     one RSA-PSS-2048 and one Ed25519 signature; signatures per HTTP attempt
  fan-out     coinswitch_balances / all_balances over N subaccounts at 20 ms added server
              latency, sync and async: wall time, requests/s, peak in flight, and the
              ratio to N sequential calls (N x one call's median at that latency)
  start-up    `venue-balances --help` vs `python -c "import httpx, cryptography"`

Prints a table and writes bench-results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import inspect
import json
import multiprocessing
import multiprocessing.connection
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

import adapter
from adapter.sandbox import Sandbox
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS, CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator

ROOT = Path(__file__).resolve().parent.parent
KALSHI_PATH = "/trade-api/v2/portfolio/subaccounts/balances"
COINSWITCH_PATH = "/dma/api/v1/master/subaccount/balance"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
TARGETS = {
    "kalshi per call": 1.15,
    "coinswitch per call": 1.25,
    "fan-out 512": 1.5,
    "--help start-up": 2.0,
}


# The sandbox, in its own process ---------------------------------------------------------


def serve(conn: multiprocessing.connection.Connection, subaccounts: int) -> None:
    """Child process: run a sandbox and obey commands from the parent."""
    accounts = {n: dict(SAMPLE_ACCOUNTS[1001], subaccount_id=n) for n in range(1, subaccounts + 1)}
    sandbox = Sandbox(
        [
            KalshiSimulator(balances={0: "1500.2500", 1: "320.75"}),
            CoinSwitchSimulator(accounts=accounts),
        ]
    )
    sandbox.verify = False
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
    def __init__(self, subaccounts: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, subaccounts), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()

    def command(self, name: str, value: Any = None) -> dict[str, int]:
        self._conn.send((name, value))
        answer: dict[str, int] = self._conn.recv()
        return answer

    def close(self) -> None:
        self._conn.send(("stop", None))
        self._process.join(5)


# Variants ----------------------------------------------------------------------------------


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
        stamp = str(time.time_ns() // 1_000_000)
        signature = self.rsa.sign(f"{stamp}GET{KALSHI_PATH}".encode(), PSS, hashes.SHA256())
        return {
            "KALSHI-ACCESS-KEY": "bench",
            "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
            "KALSHI-ACCESS-TIMESTAMP": stamp,
        }

    def coinswitch_headers(self, target: str) -> dict[str, str]:
        epoch = str(time.time_ns() // 1_000_000)
        return {
            "X-AUTH-APIKEY": self.ed_public,
            "X-AUTH-SIGNATURE": self.ed.sign(f"GET{target}{epoch}".encode()).hex(),
            "X-AUTH-EPOCH": epoch,
            "Content-Type": "application/json",
        }

    def signers(self) -> dict[str, Any]:
        return {
            "kalshi": adapter.KalshiSigner("bench", self.rsa, clock=self.clock),
            "coinswitch": adapter.CoinSwitchSigner(
                self.ed_public, self.ed.private_bytes_raw().hex(), clock=self.clock
            ),
        }


def client_options(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "kalshi_base_url": url + "/trade-api/v2",
        "coinswitch_base_url": url,
        "kalshi_rate_limit": None,
        "coinswitch_rate_limit": None,
        **extra,
    }


def sync_variants(url: str, keys: Keys) -> tuple[dict[str, Callable[[], Any]], list[Any]]:
    client = adapter.BalanceClient(**keys.signers(), **client_options(url))
    bare = httpx.Client(base_url=url)
    target = COINSWITCH_PATH + "?subaccount_id=1"
    variants = {
        "kalshi adapter": client.kalshi_balances,
        "kalshi floor": lambda: bare.get(KALSHI_PATH, headers=keys.kalshi_headers()).json(),
        "kalshi unsigned": lambda: bare.get(KALSHI_PATH).json(),
        "coinswitch adapter": lambda: client.coinswitch_balance(1),
        "coinswitch floor": lambda: bare.get(
            target, headers=keys.coinswitch_headers(target)
        ).json(),
        "coinswitch unsigned": lambda: bare.get(target).json(),
    }
    return variants, [client, bare]


def async_variants(
    url: str, keys: Keys
) -> tuple[dict[str, Callable[[], Awaitable[Any]]], list[Any]]:
    client = adapter.AsyncBalanceClient(**keys.signers(), **client_options(url))
    bare = httpx.AsyncClient(base_url=url)
    target = COINSWITCH_PATH + "?subaccount_id=1"

    async def get(path: str, headers: dict[str, str] | None = None) -> Any:
        return (await bare.get(path, headers=headers)).json()

    variants: dict[str, Callable[[], Awaitable[Any]]] = {
        "async kalshi adapter": client.kalshi_balances,
        "async kalshi floor": lambda: get(KALSHI_PATH, keys.kalshi_headers()),
        "async kalshi unsigned": lambda: get(KALSHI_PATH),
        "async coinswitch adapter": lambda: client.coinswitch_balance(1),
        "async coinswitch floor": lambda: get(target, keys.coinswitch_headers(target)),
        "async coinswitch unsigned": lambda: get(target),
    }
    return variants, [client, bare]


# Timing ------------------------------------------------------------------------------------


def rounds_of(
    variants: dict[str, Callable[[], float]], rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Per-call seconds of each variant in each round, variants in rotating order."""
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name]())
    return samples


def sync_batch(call: Callable[[], Any], size: int) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        for _ in range(size):
            call()
        return (time.perf_counter() - started) / size

    return run


def async_batch(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[Any]], size: int
) -> Callable[[], float]:
    async def many() -> float:
        started = time.perf_counter()
        for _ in range(size):
            await call()
        return (time.perf_counter() - started) / size

    return lambda: loop.run_until_complete(many())


def median_ratio(samples: dict[str, list[float]], numerator: str, denominator: str) -> float:
    return statistics.median(
        a / b for a, b in zip(samples[numerator], samples[denominator], strict=True)
    )


def per_call(url: str, keys: Keys, rounds: int, batch: int) -> dict[str, Any]:
    variants, closers = sync_variants(url, keys)
    samples = rounds_of(
        {name: sync_batch(call, batch) for name, call in variants.items()}, rounds, 1
    )
    for closer in closers:
        closer.close()
    loop = asyncio.new_event_loop()
    async_calls, async_closers = async_variants(url, keys)
    samples.update(
        rounds_of(
            {name: async_batch(loop, call, batch) for name, call in async_calls.items()},
            rounds,
            1,
        )
    )
    for closer in async_closers:
        loop.run_until_complete(closer.aclose())
    loop.close()
    ratios = {}
    for prefix in ("", "async "):
        for venue in ("kalshi", "coinswitch"):
            name = f"{prefix}{venue}"
            ratios[f"{name} adapter/floor"] = median_ratio(
                samples, f"{name} adapter", f"{name} floor"
            )
            ratios[f"{name} floor/unsigned"] = median_ratio(
                samples, f"{name} floor", f"{name} unsigned"
            )
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {"median_us": {k: v * 1e6 for k, v in medians.items()}, "ratios": ratios}


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


def signatures_per_attempt(url: str, sandbox: RemoteSandbox, keys: Keys) -> float:
    sandbox.command("reset")
    keys.signs = 0
    with adapter.BalanceClient(**keys.signers(), **client_options(url)) as client:
        for _ in range(20):
            client.kalshi_balances()
            client.coinswitch_balances([1, 2, 3])
    requests = sandbox.command("counters")["requests"]
    return keys.signs / requests


def fan_out(
    url: str, sandbox: RemoteSandbox, keys: Keys, sizes: list[int], latency: float
) -> list[dict[str, Any]]:
    sandbox.command("latency", latency)
    options = client_options(url, timeout=60.0)
    results = []
    with adapter.BalanceClient(**keys.signers(), **options) as client:
        one = statistics.median(timed_call(lambda: client.coinswitch_balance(1)) for _ in range(15))
    bound = inspect.signature(adapter.BalanceClient).parameters["max_in_flight"].default
    for size in sizes:
        ids = list(range(1, size + 1))
        for mode in ("sync", "async"):
            for method in ("coinswitch_balances", "all_balances"):
                wall = run_fan_out(mode, method, keys, options, ids, sandbox)
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


def timed_call(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run_fan_out(
    mode: str,
    method: str,
    keys: Keys,
    options: dict[str, Any],
    ids: list[int],
    sandbox: RemoteSandbox,
) -> float:
    """Wall time of one fan-out, on a client that has called both venues once before (as
    a poller's would have), with the sandbox's counters reset just before."""
    if mode == "sync":
        with adapter.BalanceClient(**keys.signers(), **options) as client:
            client.coinswitch_balance(1)
            client.kalshi_balances()
            sandbox.command("reset")
            started = time.perf_counter()
            outcome = getattr(client, method)(ids)
            wall = time.perf_counter() - started
    else:

        async def run() -> tuple[Any, float]:
            async with adapter.AsyncBalanceClient(**keys.signers(), **options) as client:
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


def start_up(runs: int) -> dict[str, float]:
    script = str(Path(sys.executable).parent / "venue-balances")
    commands = {
        "venue-balances --help": [script, "--help"],
        "import httpx, cryptography": [sys.executable, "-c", "import httpx, cryptography"],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            samples[name].append(time.perf_counter() - started)
    result = {f"{name} ms": statistics.median(v) * 1000 for name, v in samples.items()}
    result["ratio"] = median_ratio(samples, "venue-balances --help", "import httpx, cryptography")
    return result


# Report ------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    lines = []
    calls = results["per_call"]
    lines.append("Per call, median over rounds (µs), sandbox in another process, checks off")
    lines.append(f"  {'variant':34} {'µs':>8}")
    for name, value in calls["median_us"].items():
        lines.append(f"  {name:34} {value:8.0f}")
    lines.append("  ratios (median of per-round ratios):")
    for name, value in calls["ratios"].items():
        lines.append(f"  {name:34} {value:8.3f}")
    sign = results["signing"]
    lines.append("")
    lines.append(
        f"One signature: RSA-PSS-2048 {sign['rsa_pss_2048_us']:.0f} µs, "
        f"Ed25519 {sign['ed25519_us']:.0f} µs; "
        f"signatures per HTTP attempt: {results['signatures_per_attempt']:.2f}"
    )
    lines.append("")
    latency_ms = results["fan_out_latency_s"] * 1000
    lines.append(
        f"Fan-out at {latency_ms:.0f} ms server latency, max_in_flight={results['max_in_flight']},"
        " limiters off"
    )
    lines.append(
        f"  {'N':>4} {'mode':5} {'method':20} {'wall s':>7} {'req/s':>7} {'peak':>5}"
        f" {'ideal s':>8} {'vs seq.':>8}"
    )
    for row in results["fan_out"]:
        lines.append(
            f"  {row['n']:4d} {row['mode']:5} {row['method']:20} {row['wall_s']:7.3f}"
            f" {row['requests_per_s']:7.0f} {row['peak_in_flight']:5d} {row['ideal_s']:8.3f}"
            f" {row['ratio_to_sequential']:8.3f}"
        )
    boot = results["start_up"]
    lines.append("")
    lines.append(
        f"Start-up: venue-balances --help {boot['venue-balances --help ms']:.0f} ms, "
        f"import httpx, cryptography {boot['import httpx, cryptography ms']:.0f} ms "
        f"(ratio {boot['ratio']:.2f})"
    )
    lines.append("")
    lines.append("Targets")
    for name, verdict in results["targets"].items():
        lines.append(f"  {name:28} {verdict}")
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> dict[str, str]:
    ratios = results["per_call"]["ratios"]
    verdicts = {}
    for venue, limit in (
        ("kalshi", TARGETS["kalshi per call"]),
        ("coinswitch", TARGETS["coinswitch per call"]),
    ):
        for prefix in ("", "async "):
            value = ratios[f"{prefix}{venue} adapter/floor"]
            ok = "met" if value <= limit else "MISSED"
            verdicts[f"{prefix}{venue} adapter/floor"] = f"{value:.3f} <= {limit} {ok}"
    biggest = max(row["n"] for row in results["fan_out"])
    if biggest < 512:
        verdicts["fan-out 512"] = "not measured (--quick stops at N = 8)"
    for row in results["fan_out"]:
        if row["n"] == biggest >= 512 and row["method"] == "coinswitch_balances":
            limit = TARGETS["fan-out 512"] * row["n"] / results["max_in_flight"]
            limit *= results["fan_out_latency_s"]
            ok = "met" if row["wall_s"] <= limit else "MISSED"
            verdicts[f"fan-out {row['n']} {row['mode']}"] = (
                f"{row['wall_s']:.3f} s <= {limit:.3f} s {ok}"
            )
    value = results["start_up"]["ratio"]
    limit = TARGETS["--help start-up"]
    verdicts["--help / bare import"] = (
        f"{value:.2f} <= {limit} {'met' if value <= limit else 'MISSED'}"
    )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, in seconds")
    parser.add_argument("--output", default=str(ROOT / "bench-results.json"))
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = [1, 8] if quick else [1, 8, 64, 512]
    latency = 0.02
    sandbox = RemoteSandbox(max(sizes))
    keys = Keys()
    try:
        results: dict[str, Any] = {
            "quick": quick,
            "python": sys.version.split()[0],
            "per_call": per_call(
                sandbox.url, keys, rounds=3 if quick else 25, batch=5 if quick else 60
            ),
            "signing": signing(keys, 20 if quick else 300),
            "signatures_per_attempt": signatures_per_attempt(sandbox.url, sandbox, keys),
            "fan_out_latency_s": latency,
            "max_in_flight": 10,
            "fan_out": fan_out(sandbox.url, sandbox, keys, sizes, latency),
            "start_up": start_up(2 if quick else 15),
        }
    finally:
        sandbox.close()
    results["targets"] = targets(results)
    print(report(results))
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

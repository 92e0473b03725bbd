"""Benchmark venue-balances against the least a client can do, side by side, in one run.

    uv run python scripts/bench.py            # the full run, about 90 s; judged
    uv run python scripts/bench.py --quick    # fewer rounds, smaller reads, ~10 s; not judged

Each sandbox runs in a process of its own on 127.0.0.1 (so the server shares neither the
client's interpreter lock nor its CPU-time account), with signature checks off: one per
Kalshi body size (the 3-row one also serves CoinSwitch's children), and one holding a
200-child CoinSwitch master at 30 ms added latency. Variants are interleaved in rounds,
in rotating order, sync and async in the same rounds, after a warm-up; figures are
medians over rounds and ratios medians of per-round ratios, so that drift of a shared
machine hits every variant alike (each group below has rounds of its own: a ratio only
compares variants of one group). Per-call figures are wall time and CPU time of this
process (time.process_time: every thread of the client, none of the server's).

Measured:
  per call      BalanceClient.kalshi_balances() on Kalshi bodies of 3, 64 and 256 rows
                (256: 64 subaccounts x 4 shards) and coinswitch_balance(1), sync and
                async, limiters off, against the floor (a prebuilt httpx.URL, one
                signature made as the venue specifies, json.loads of the body), the same
                over a keep-alive stdlib http.client connection, and the httpx GET unsigned
  mapping       adapter.fields.load_json + the venue mapping of whole bodies (Kalshi 3,
                64, 256 rows; a CoinSwitch consolidated body of 200 children) against
                json.loads of the same bytes: µs per row, ratio
  whole master  200 CoinSwitch children at default settings (10 requests/s limiter,
                max_in_flight 10): all_balances() in one consolidated request against one
                master-balance request; all_balances(200 ids), one request per child,
                once per mode (--quick: 20 ids)
  signing       one RSA-PSS-2048 and one Ed25519 signature; signatures per HTTP attempt
  fan-out       coinswitch_balances / all_balances over 512 children (--quick: 8) at 20 ms
                added latency, limiters off, sync and async
  start-up      `python -c "import adapter; adapter.BalanceClient"` and `venue-balances
                --help` against `python -c "import httpx, attrs, <rsa>, <ed25519>"`
  accounts      all_balances() of eight accounts (four per venue) against one account's,
                at 30 ms added latency
  big fan-out   a whole master of 10^5 children read one child at a time (--quick: 500):
                the library, sync and async, and the command with both venues, each in a
                process of its own: time past the deadline, peak memory, what was kept

Prints every figure, then each target "met" or "MISSED", and writes them all as JSON
(--output). A full run exits 1 if any target is missed, else 0; --quick judges nothing
(each target "not judged in a quick run") and exits 0.

What each figure measures lives in scripts/benchmarks/, one module per subject (per_call,
mapping, whole_master, signing, fan_out, start_up, accounts; sandboxes and timing are shared, report
holds the targets); this file only runs them in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.accounts import several_accounts
from benchmarks.big_fan_out import big_fan_out
from benchmarks.fan_out import fan_out
from benchmarks.mapping import mapping
from benchmarks.per_call import per_call
from benchmarks.report import report, targets
from benchmarks.sandboxes import (
    KALSHI_ROWS,
    MASTER_CHILDREN,
    MASTER_LATENCY,
    ROOT,
    Keys,
    RemoteSandbox,
    client_default,
)
from benchmarks.signing import signatures_per_attempt, signing
from benchmarks.start_up import start_up
from benchmarks.whole_master import whole_master


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer rounds and smaller reads, in about 10 s; judges no target (each is"
        ' "not judged in a quick run") and exits 0',
    )
    parser.add_argument(
        "--output",
        default=str(ROOT / "bench-results.json"),
        help="where to write every figure as JSON (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    began = time.perf_counter()
    sizes = [8] if quick else [512]
    latency = 0.02
    sandboxes = {
        f"kalshi-{rows}": RemoteSandbox(kalshi_rows=rows)
        for rows in KALSHI_ROWS
        if rows != KALSHI_ROWS[0]
    }
    # The small Kalshi body shares a sandbox with CoinSwitch's children.
    small = RemoteSandbox(kalshi_rows=KALSHI_ROWS[0], coinswitch_children=max(sizes))
    sandboxes[f"kalshi-{KALSHI_ROWS[0]}"] = sandboxes["coinswitch"] = small
    master = RemoteSandbox(coinswitch_demo=MASTER_CHILDREN, latency=MASTER_LATENCY)
    # Both venues at the master's latency, for accounts read side by side.
    several = RemoteSandbox(kalshi_rows=KALSHI_ROWS[0], coinswitch_demo=3, latency=MASTER_LATENCY)
    keys = Keys()
    loop = asyncio.new_event_loop()
    try:
        for sandbox in [*sandboxes.values(), master, several]:
            sandbox.ready()
        results: dict[str, Any] = {
            "quick": quick,
            "python": sys.version.split()[0],
            "mapping": mapping(3 if quick else 31, 0.002 if quick else 0.01),
            "signing": signing(keys, 20 if quick else 300),
            "per_call": per_call(
                sandboxes, keys, loop, rounds=3 if quick else 41, batch=5 if quick else 30
            ),
            "signatures_per_attempt": signatures_per_attempt(small, keys),
            "whole_master": whole_master(
                master, keys, loop, rounds=3 if quick else 21, per_child=20 if quick else 200
            )
            | {"latency_ms": MASTER_LATENCY * 1000},
            "fan_out_latency_s": latency,
            "max_in_flight": client_default("max_in_flight"),
            "fan_out": fan_out(small, keys, sizes, latency),
            "start_up": start_up(2 if quick else 21),
            "accounts": several_accounts(several, keys, rounds=3 if quick else 21)
            | {"latency_ms": MASTER_LATENCY * 1000},
            "big_fan_out": big_fan_out(quick),
        }
    finally:
        loop.close()
        for sandbox in {*sandboxes.values(), master, several}:
            sandbox.close()
    results["targets"] = targets(results)
    results["seconds"] = time.perf_counter() - began
    print(report(results))
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}; the run took {results['seconds']:.0f} s")
    missed = [name for name, target in results["targets"].items() if target["verdict"] == "MISSED"]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())

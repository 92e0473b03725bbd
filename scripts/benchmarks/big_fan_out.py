"""Big fan-outs: a whole master of 10^5 children read one child at a time (its consolidated
endpoint answering 404), by the library (sync and async) and by the command with both
venues; each in a process of its own, timed against its deadline, its peak memory and what
it kept (the master, the children that arrived, the rest as errors) counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from benchmarks.sandboxes import ROOT, RemoteSandbox

TIMEOUT = 10.0  # seconds: the library's default deadline
CHILDREN = 100_000
LIBRARY = """
import asyncio, json, sys, time
import adapter
from cryptography.hazmat.primitives.asymmetric import ed25519
url, mode, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
key = ed25519.Ed25519PrivateKey.generate()
signer = adapter.CoinSwitchSigner(key.public_key().public_bytes_raw().hex(),
                                  key.private_bytes_raw().hex())
options = dict(coinswitch=signer, coinswitch_base_url=url, timeout=timeout)
started = time.monotonic()
if mode == "sync":
    with adapter.BalanceClient(**options) as client:
        report = client.all_balances()
else:
    async def main():
        async with adapter.AsyncBalanceClient(**options) as client:
            return await client.all_balances()
    report = asyncio.run(main())
wall = time.monotonic() - started
print(json.dumps({
    "wall_s": wall,
    "balances": len(report.balances),
    "errors": len(report.errors),
    "master": any(b.subaccount is None for b in report.balances),
    # VmHWM: this address space's own peak (ru_maxrss would start from the bench's own).
    "peak_mib": next(int(line.split()[1]) for line in open("/proc/self/status")
                     if line.startswith("VmHWM:")) / 1024,
}))
"""


# Runs a command and says its peak memory (its own children's) on its last stderr line: the
# wrapper is small, so the ru_maxrss the command's process starts from (the wrapper's at the
# fork) does not hide its own.
MEASURED = (
    "import resource, subprocess, sys;"
    "code = subprocess.run(sys.argv[1:]).returncode;"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
    "sys.exit(code)"
)


def _environment() -> dict[str, str]:
    """The caller's environment without key variables, and with bytecode written: a
    deployed command starts from compiled modules (with PYTHONDONTWRITEBYTECODE, as on
    some CI machines, every start compiles every module again: about a second)."""
    drop = ("KALSHI_", "COINSWITCH_", "VENUE_BALANCES_", "PYTHONDONTWRITEBYTECODE")
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


def library(url: str, mode: str, timeout: float) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", LIBRARY, url, mode, str(timeout)],
        capture_output=True,
        text=True,
        check=True,
        env=_environment(),
    )
    row: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return row | {"mode": f"library {mode}", "timeout_s": timeout}


def command(kalshi_url: str, coinswitch_url: str, timeout: float) -> dict[str, Any]:
    """`venue-balances --timeout T` with both venues, the master read child by child."""
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "kalshi.pem"
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem.write_bytes(
            rsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        pem.chmod(0o600)
        seed = ed25519.Ed25519PrivateKey.generate()
        env = _environment() | {
            "XDG_CONFIG_HOME": folder,
            "KALSHI_API_KEY_ID": "bench",
            "KALSHI_PRIVATE_KEY_PATH": str(pem),
            "KALSHI_BASE_URL": kalshi_url,
            "COINSWITCH_API_KEY": seed.public_key().public_bytes_raw().hex(),
            "COINSWITCH_SECRET_KEY": seed.private_bytes_raw().hex(),
            "COINSWITCH_DMA_BASE_URL": coinswitch_url,
        }
        script = Path(sys.executable).parent / "venue-balances"
        subprocess.run([str(script), "--help"], capture_output=True, env=env)  # bytecode
        started = time.monotonic()
        arguments = ["--format", "json", "--timeout", str(timeout)]
        result = subprocess.run(
            [sys.executable, "-c", MEASURED, str(script), *arguments],
            capture_output=True,
            text=True,
            env=env,
        )
        wall = time.monotonic() - started
    document = json.loads(result.stdout)
    *stderr, peak = result.stderr.splitlines()
    return {
        "mode": "command, both venues",
        "timeout_s": timeout,
        "wall_s": wall,
        "balances": len(document["balances"]),
        "errors": len(document["errors"]),
        "master": any(
            b["venue"] == "coinswitch_dma" and b["subaccount"] is None for b in document["balances"]
        ),
        "kalshi": sum(1 for b in document["balances"] if b["venue"] == "kalshi"),
        "stderr_lines": len(stderr),
        "exit": result.returncode,
        "peak_mib": int(peak) / 1024,
    }


def big_fan_out(quick: bool) -> dict[str, Any]:
    children = 500 if quick else CHILDREN
    timeout = 1.0 if quick else TIMEOUT
    master = RemoteSandbox(coinswitch_demo=children, consolidated=False)
    kalshi = RemoteSandbox(kalshi_rows=3)
    try:
        master.ready()
        kalshi.ready()
        rows = [library(master.url, mode, timeout) for mode in ("sync", "async")]
        rows.append(command(kalshi.url + "/trade-api/v2", master.url, timeout))
    finally:
        master.close()
        kalshi.close()
    for row in rows:
        row["over_s"] = row["wall_s"] - row["timeout_s"]
    return {"children": children, "rows": rows, "root": str(ROOT)}

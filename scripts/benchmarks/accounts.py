"""Several accounts: eight (four Kalshi members, four CoinSwitch DMA masters) read at once by
`all_balances()`, against one account's read, at the sandbox's added latency."""

from __future__ import annotations

import statistics
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

import adapter
from benchmarks.sandboxes import Keys, RemoteSandbox
from benchmarks.timing import median_ratio, rounds_of, sync_batch

PER_VENUE = 4
"""Accounts of each venue: eight in all."""


def accounts(url: str, keys: Keys) -> list[Any]:
    """Eight accounts on one sandbox (its checks off): distinct key ids and key pairs, so
    the client takes them for eight logins."""
    made: list[Any] = []
    for index in range(PER_VENUE):
        member = adapter.KalshiSigner(f"bench-{index}", keys.rsa, clock=keys.clock)
        made.append(
            adapter.KalshiAccount(
                f"kalshi-{index}", member, base_url=url + "/trade-api/v2", rate_limit=None
            )
        )
    for index in range(PER_VENUE):
        key = ed25519.Ed25519PrivateKey.generate()
        master = adapter.CoinSwitchSigner(
            key.public_key().public_bytes_raw().hex(), key.private_bytes_raw().hex()
        )
        made.append(
            adapter.CoinSwitchAccount(f"coinswitch-{index}", master, base_url=url, rate_limit=None)
        )
    return made


def several_accounts(sandbox: RemoteSandbox, keys: Keys, rounds: int) -> dict[str, Any]:
    """Median wall time of `all_balances()` over eight accounts and over one (each venue's
    first), interleaved in rounds on clients that have read once before, as a poller's."""
    every = accounts(sandbox.url, keys)
    many = adapter.BalanceClient(accounts=every)
    one = adapter.BalanceClient(accounts=every[:1])
    try:
        for client in (many, one):
            report = client.all_balances()
            assert not report.errors, report.errors[:3]
        samples = rounds_of(
            {
                "eight accounts": sync_batch(many.all_balances, 1),
                "one account": sync_batch(one.all_balances, 1),
            },
            rounds,
            warmup=1,
        )
    finally:
        many.close()
        one.close()
    wall_ms = {name: statistics.median(s[0] for s in runs) * 1000 for name, runs in samples.items()}
    return {
        "accounts": len(every),
        "rounds": rounds,
        "wall_ms": wall_ms,
        "ratio": median_ratio(samples, "eight accounts", "one account"),
    }

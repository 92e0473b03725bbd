"""The `venue-balances` command run as a subprocess, clear of the caller's key variables,
and what its JSON of the sandbox's sample balances must be."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS as SAMPLE_COINSWITCH
from adapter.venues.coinswitch_dma.simulator import SAMPLE_MASTER
from adapter.venues.kalshi.simulator import SAMPLE_BALANCES as SAMPLE_KALSHI

BIN = Path(sys.executable).parent
KEYS = ["fetched_at", "simulated", "balances", "totals", "errors"]
BALANCE_KEYS = [
    "account",
    "venue",
    "subaccount",
    "primary",
    "currency",
    "balance",
    "portfolio_value",
    "shards",
    "updated_at",
    "active",
    "inr_rate",
    "assets",
]
ASSET_KEYS = [
    "asset",
    "equity",
    "wallet_balance",
    "unrealised_pnl",
    "equity_inr",
    "wallet_balance_inr",
    "unrealised_pnl_inr",
]
CSV_HEADER = [
    "venue",
    "subaccount",
    "primary",
    "currency",
    "balance",
    "updated_at",
    "active",
    "inr_rate",
    "portfolio_value",
    "account",  # last: every other column keeps its place
]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("KALSHI_", "COINSWITCH_"))}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "venue-balances"), *args],
        capture_output=True,
        text=True,
        env={**CLEAN_ENV, **(env or {})},
        timeout=60,
    )


def check_sample_json(
    document: dict[str, Any],
    coinswitch_ids: list[int | None],
    *,
    kalshi_ids: tuple[int, ...] = (0, 1, 2),
    simulated: bool = True,
) -> None:
    """The sample balances; a CoinSwitch id None is the master's own row."""
    assert list(document) == KEYS
    assert document["simulated"] is simulated
    fetched = datetime.strptime(document["fetched_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - fetched).total_seconds()) < 60
    balances = document["balances"]
    for row in balances:
        assert list(row) == BALANCE_KEYS
        assert row["account"] == row["venue"]  # accounts from the environment: the venues'
    for total in document["totals"]:
        assert list(total) == ["account", "venue", "currency", "balance", "complete"]
        for asset in row["assets"]:
            assert list(asset) == ASSET_KEYS
    kalshi = [row for row in balances if row["venue"] == "kalshi"]
    assert [
        (r["subaccount"], r["primary"], r["currency"], r["balance"], r["updated_at"])
        for r in kalshi
    ] == [(n, n == 0, "USD", SAMPLE_KALSHI[n], "2025-11-21T18:59:00Z") for n in kalshi_ids]
    assert all(r["active"] is None and r["inr_rate"] is None and r["assets"] == [] for r in kalshi)
    assert all(r["portfolio_value"] is None for r in kalshi), "only with --positions"
    coinswitch = [row for row in balances if row["venue"] == "coinswitch_dma"]
    assert [r["subaccount"] for r in coinswitch] == coinswitch_ids
    for row in coinswitch:
        number = row["subaccount"]
        data = SAMPLE_MASTER if number is None else SAMPLE_COINSWITCH[number]
        detail = data["balance_detail"]
        assert row["primary"] is (number is None) and row["currency"] == "USDT"
        assert row["balance"] == detail["totalEquity"]
        assert row["updated_at"] is None
        assert row["portfolio_value"] is None and row["shards"] == []
        assert row["active"] is data.get("is_active")
        assert row["inr_rate"] == data["usdt_inr_rate"]
        assert row["assets"] == [
            {
                "asset": coin["coin"],
                "equity": coin["equity"],
                "wallet_balance": coin.get("walletBalance"),
                "unrealised_pnl": coin.get("unrealisedPnl"),
                "equity_inr": coin.get("equityINR"),
                "wallet_balance_inr": coin.get("walletBalanceINR"),
                "unrealised_pnl_inr": coin.get("unrealisedPnlINR"),
            }
            for coin in detail["coin"]
        ]

"""The files of monitoring/ as the tests of the monitoring kit read them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "monitoring"
BIN = Path(sys.executable).parent / "venue-balances"
CLEAN_ENV = {
    name: value
    for name, value in os.environ.items()
    if not name.startswith(("KALSHI_", "COINSWITCH_", "VENUE_BALANCES_"))
}
ALERTS = {
    "VenueBalancesDown",
    "VenueBalancesStale",
    "VenueBalancesBelowMinimum",
    "VenueBalancesSimulated",
    "VenueBalancesExporterDown",
}
TARGET_LABELS = {"job", "instance"}
"""What Prometheus adds to every series it scrapes."""

ACCOUNT = "account"
"""The label the contract's v3 gives every per-account family (a colleague is adding it)."""

PER_ACCOUNT = ("balance", "portfolio_value", "asset_equity", "up", "last_success", "fetch_errors")
"""The families (venue_balances_...) that carry `account`."""

RequireTool = Callable[..., str]


def alerts() -> list[dict[str, Any]]:
    (group,) = yaml.safe_load((KIT / "alerts.yml").read_text())["groups"]
    assert group["name"] == "venue-balances"
    rules: list[dict[str, Any]] = group["rules"]
    return rules


def run(*command: str | Path, cwd: Path = KIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def uncommented(text: str) -> str:
    """prometheus.yml with its https scrape for --web-config uncommented."""
    before, marker, after = text.partition("uncomment")
    assert marker, "prometheus.yml shows the https scrape, commented out"
    return before + marker + re.sub(r"(?m)^(\s*)# (?=\s*\w+:)", r"\1", after)


EVERY = ("--positions", "--min", "kalshi:total=1")
"""Options that turn on the families a plain run leaves out (portfolio_value, below_minimum)."""


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((KIT / "grafana-dashboard.json").read_text())
    return loaded


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its own


def dashboard_queries(board: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in panels(board) for target in panel.get("targets", [])]

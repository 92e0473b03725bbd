"""The benchmark still runs (its --quick form) and reports every figure and target; no
timing is asserted here, and a quick run judges nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT

SYNC_KINDS = ("adapter", "floor", "http.client", "unsigned")
ASYNC_KINDS = ("adapter", "floor", "unsigned")
TARGETED_ENDPOINTS = ("kalshi-3", "coinswitch", "kalshi-256")


def test_bench_quick_runs_and_reports_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "scripts/bench.py", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(output.read_text())
    assert set(results) == {
        "quick",
        "python",
        "seconds",
        "mapping",
        "signing",
        "per_call",
        "signatures_per_attempt",
        "whole_master",
        "fan_out_latency_s",
        "max_in_flight",
        "fan_out",
        "start_up",
        "accounts",
        "big_fan_out",
        "targets",
    }
    endpoints = ("kalshi-3", "kalshi-64", "kalshi-256", "coinswitch")
    variants = {f"{e} {kind}" for e in endpoints for kind in SYNC_KINDS}
    variants |= {f"async {e} {kind}" for e in endpoints for kind in ASYNC_KINDS}
    assert set(results["per_call"]["wall_us"]) == variants
    assert set(results["per_call"]["cpu_us"]) == variants
    ratios = {f"{p}{e} adapter/floor" for p in ("", "async ") for e in endpoints}
    ratios |= {f"{p}{e} floor/unsigned" for p in ("", "async ") for e in endpoints}
    ratios |= {f"{e} {kind}/http.client" for e in endpoints for kind in ("adapter", "floor")}
    assert set(results["per_call"]["ratios"]["wall"]) == ratios
    assert set(results["per_call"]["ratios"]["cpu"]) == ratios
    bodies = {"kalshi-3", "kalshi-64", "kalshi-256", "coinswitch-200"}
    assert set(results["mapping"]["us"]) == {
        f"{body} {kind}" for body in bodies for kind in ("mapping", "json.loads")
    }
    for figure in ("rows", "us_per_row", "ratio_to_json_loads"):
        assert set(results["mapping"][figure]) == bodies, figure
    master = results["whole_master"]
    reads = {f"{p}{kind}" for p in ("", "async ") for kind in ("one request", "consolidated")}
    assert set(master["wall_ms"]) == set(master["cpu_ms"]) == reads
    assert set(master["ratios"]) == {f"{p}consolidated/one request" for p in ("", "async ")}
    assert [row["mode"] for row in master["per_child"]] == ["sync", "async"]
    for row in master["per_child"]:
        assert set(row) >= {"wall_s", "cpu_s", "limiter_bound_s", "ratio_to_one_request"}
        assert row["balances"] == row["n"] == row["requests"] and row["errors"] == 0
        assert row["peak_in_flight"] <= master["max_in_flight"]
    assert results["signatures_per_attempt"] == 1.0
    assert results["signing"]["rsa_pss_2048_us"] > 0 and results["signing"]["ed25519_us"] > 0
    modes = {(row["mode"], row["method"]) for row in results["fan_out"]}
    assert modes == {
        (mode, method)
        for mode in ("sync", "async")
        for method in ("coinswitch_balances", "all_balances")
    }
    assert all(row["peak_in_flight"] <= 11 for row in results["fan_out"])
    boot = results["start_up"]
    commands = {"import adapter", "import dependencies", "venue-balances --help"}
    assert set(boot["ms"]) == set(boot["cpu_ms"]) == commands
    assert set(boot["ratios"]) == {
        "import adapter/import dependencies",
        "venue-balances --help/import dependencies",
    }
    assert set(results["targets"]) == {
        *(f"{p}{e} adapter/floor" for p in ("", "async ") for e in TARGETED_ENDPOINTS),
        "mapping kalshi-64 µs per row",
        "mapping kalshi-256 µs per row",
        "mapping kalshi-64 / json.loads",
        "mapping kalshi-256 / json.loads",
        "mapping coinswitch-200 / json.loads",
        "whole master consolidated / one request",
        "async whole master consolidated / one request",
        "import adapter / import dependencies",
        "--help / import dependencies",
        "sync fan-out wall / ideal",
        "async fan-out wall / ideal",
        "signatures per HTTP attempt",
        "eight accounts / one account",
        "big fan-out library sync s past the deadline",
        "big fan-out library async s past the deadline",
        "big fan-out command s past the deadline",
        "big fan-out peak MiB",
        "big fan-out command stderr lines",
    }
    big = results["big_fan_out"]
    assert [row["mode"] for row in big["rows"]] == [
        "library sync",
        "library async",
        "command, both venues",
    ]
    for row in big["rows"]:  # whatever the machine's speed: the master kept, the rest counted
        assert row["master"] and row["balances"] + row["errors"] >= big["children"]
    several = results["accounts"]
    assert several["accounts"] == 8 and set(several["wall_ms"]) == {"eight accounts", "one account"}
    assert several["ratio"] > 0
    printed = result.stdout.split("\nTargets\n")[1].split("\n\n")[0].splitlines()
    assert len(printed) == len(results["targets"])
    for line, (name, target) in zip(printed, results["targets"].items(), strict=True):
        assert target["verdict"] == "not judged in a quick run", name
        assert target["value"] >= 0 and target["limit"] > 0, name
        assert line.strip().startswith(name) and line.endswith("not judged in a quick run")
    assert results["seconds"] > 0
    assert "signatures per HTTP attempt: 1.00" in result.stdout

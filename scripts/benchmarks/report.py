"""The targets, and the report the benchmark prints."""

from __future__ import annotations

from typing import Any

from benchmarks.per_call import ENDPOINTS, SYNC_KINDS
from benchmarks.sandboxes import MASTER_CHILDREN
from benchmarks.start_up import DEPENDENCIES

TARGETS = {
    # adapter / floor (wall, median of per-round ratios)
    "kalshi-3 adapter/floor": 1.10,
    "coinswitch adapter/floor": 1.10,
    "kalshi-256 adapter/floor": 1.20,
    "async kalshi-3 adapter/floor": 1.10,
    "async coinswitch adapter/floor": 1.10,
    "async kalshi-256 adapter/floor": 1.20,
    # the mapping alone (a 3-row body is all fixed cost: reported, not judged)
    "mapping kalshi-64 µs per row": 1.5,
    "mapping kalshi-256 µs per row": 1.5,
    "mapping kalshi-64 / json.loads": 2.5,
    "mapping kalshi-256 / json.loads": 2.5,
    f"mapping coinswitch-{MASTER_CHILDREN} / json.loads": 2.5,
    # the whole master in one consolidated request vs one request's latency-bound time
    "whole master consolidated / one request": 1.5,
    "async whole master consolidated / one request": 1.5,
    "import adapter / import dependencies": 1.4,
    "--help / import dependencies": 0.5,
    # fan-out of 512 children, limiters off: wall / ceil(requests / max_in_flight) x latency
    "sync fan-out wall / ideal": 1.5,
    "async fan-out wall / ideal": 1.5,
    "signatures per HTTP attempt": 1.0,
    # eight accounts read at once, against one account's read (latency-bound)
    "eight accounts / one account": 1.5,
    # a whole master of 10^5 children, child by child: past the deadline, peak memory
    "big fan-out library sync s past the deadline": 0.25,
    "big fan-out library async s past the deadline": 0.25,
    "big fan-out command s past the deadline": 0.5,
    "big fan-out peak MiB": 300.0,
    "big fan-out command stderr lines": 22.0,
}


EXACT_TARGETS = frozenset({"signatures per HTTP attempt"})


def report(results: dict[str, Any]) -> str:
    lines = []
    calls = results["per_call"]
    wall, cpu = calls["wall_us"], calls["cpu_us"]
    lines.append(
        f"Per call (µs): medians over {calls['rounds']} rounds of {calls['batch']} calls;"
        " wall and CPU time of this process; sandboxes in other processes, checks off,"
        " limiters off"
    )
    lines.append(
        f"  {'endpoint':11} {'variant':12} {'sync wall':>9} {'sync CPU':>9}"
        f" {'async wall':>10} {'async CPU':>10}"
    )
    for endpoint in ENDPOINTS:
        for kind in SYNC_KINDS:
            name = f"{endpoint} {kind}"
            async_name = f"async {name}"
            row = f"  {endpoint:11} {kind:12} {wall[name]:9.0f} {cpu[name]:9.0f}"
            if async_name in wall:
                row += f" {wall[async_name]:10.0f} {cpu[async_name]:10.0f}"
            lines.append(row)
    lines.append(f"  {'ratio (median of per-round ratios)':40} {'wall':>6} {'CPU':>6}")
    for name, value in calls["ratios"]["wall"].items():
        lines.append(f"  {name:40} {value:6.3f} {calls['ratios']['cpu'][name]:6.3f}")
    maps = results["mapping"]
    lines.append("")
    lines.append(
        f"Mapping alone, no HTTP (µs per body; medians over {maps['rounds']} rounds):"
        " load_json + venue mapping vs json.loads of the same bytes"
    )
    lines.append(
        f"  {'body':15} {'rows':>5} {'mapping':>9} {'json.loads':>10} {'µs/row':>7} {'ratio':>6}"
    )
    for name, rows in maps["rows"].items():
        lines.append(
            f"  {name:15} {rows:5d} {maps['us'][f'{name} mapping']:9.1f}"
            f" {maps['us'][f'{name} json.loads']:10.1f} {maps['us_per_row'][name]:7.2f}"
            f" {maps['ratio_to_json_loads'][name]:6.2f}"
        )
    lines.append("")
    lines.extend(report_whole_master(results["whole_master"]))
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
        f"Start-up (ms; fresh interpreters, medians over {boot['rounds']} rounds;"
        " CPU: the child's user + system)"
    )
    lines.append(f"  {'command':42} {'wall ms':>8} {'CPU ms':>8}")
    for name, value in boot["ms"].items():
        lines.append(f"  {name:42} {value:8.1f} {boot['cpu_ms'][name]:8.1f}")
    for name, value in boot["ratios"].items():
        lines.append(f"  {name:42} {value:8.3f}")
    lines.append(f"  (import dependencies: python -c {DEPENDENCIES!r})")
    several = results["accounts"]
    lines.append("")
    lines.append(
        f"Several accounts at {several['latency_ms']:.0f} ms added latency, limiters off"
        f" (medians over {several['rounds']} rounds): all_balances() of"
        f" {several['accounts']} accounts {several['wall_ms']['eight accounts']:.1f} ms,"
        f" of one {several['wall_ms']['one account']:.1f} ms;"
        f" ratio {several['ratio']:.3f}"
    )
    big = results["big_fan_out"]
    lines.append("")
    lines.append(
        f"A whole master of {big['children']:,} children read one child at a time (its"
        " consolidated endpoint 404), default rate limit, each run in a process of its own"
    )
    lines.append(
        f"  {'run':22} {'timeout s':>9} {'wall s':>7} {'past s':>7} {'kept':>6}"
        f" {'errors':>7} {'master':>6} {'peak MiB':>8} {'stderr':>6}"
    )
    for row in big["rows"]:
        lines.append(
            f"  {row['mode']:22} {row['timeout_s']:9.1f} {row['wall_s']:7.2f}"
            f" {row['over_s']:7.2f} {row['balances']:6d} {row['errors']:7d}"
            f" {'yes' if row['master'] else 'NO':>6} {row['peak_mib']:8.0f}"
            f" {row.get('stderr_lines', ''):>6}"
        )
    lines.append("")
    lines.append("Targets")
    for name, target in results["targets"].items():
        operator = "==" if name in EXACT_TARGETS else "<="
        lines.append(
            f"  {name:46} {target['value']:7.3f} {operator} {target['limit']:<5g}"
            f" {target['verdict']}"
        )
    return "\n".join(lines)


def report_whole_master(master: dict[str, Any]) -> list[str]:
    lines = [
        f"Whole CoinSwitch master of {master['children']} children,"
        f" {master['latency_ms']:.0f} ms added latency, default settings"
        f" ({master['rate_limit_per_s']:g} requests/s limiter, max_in_flight"
        f" {master['max_in_flight']}); medians over {master['rounds']} rounds, each client"
        " called at most at its limiter's rate",
        f"  {'variant':34} {'wall ms':>8} {'CPU ms':>8}",
    ]
    for name, value in master["wall_ms"].items():
        lines.append(f"  {name:34} {value:8.1f} {master['cpu_ms'][name]:8.1f}")
    for name, value in master["ratios"].items():
        lines.append(f"  {name:34} {value:8.3f}")
    lines.append("  per child, all_balances(ids), once per mode (timeout as the CLI allows):")
    lines.append(
        f"  {'mode':5} {'n':>4} {'wall s':>7} {'CPU s':>6} {'req':>4} {'peak':>4} {'ok':>4}"
        f" {'errors':>6} {'bound s':>7} {'vs bound':>8} {'vs one':>7}"
    )
    for row in master["per_child"]:
        lines.append(
            f"  {row['mode']:5} {row['n']:4d} {row['wall_s']:7.2f} {row['cpu_s']:6.2f}"
            f" {row['requests']:4d} {row['peak_in_flight']:4d} {row['balances']:4d}"
            f" {row['errors']:6d} {row['limiter_bound_s']:7.2f}"
            f" {row['ratio_to_limiter_bound']:8.3f} {row['ratio_to_one_request']:7.1f}"
        )
    lines.append(
        "  (bound: the limiter's spacing of n requests plus one request's latency-bound time)"
    )
    return lines


def figures(results: dict[str, Any]) -> dict[str, float]:
    """The value of each target's figure."""
    ratios = results["per_call"]["ratios"]["wall"]
    maps = results["mapping"]
    master = results["whole_master"]["ratios"]
    boot = results["start_up"]["ratios"]
    values = {}
    for prefix in ("", "async "):
        for endpoint in ("kalshi-3", "coinswitch", "kalshi-256"):
            name = f"{prefix}{endpoint} adapter/floor"
            values[name] = ratios[name]
    for body in ("kalshi-64", "kalshi-256"):
        values[f"mapping {body} µs per row"] = maps["us_per_row"][body]
    for body in ("kalshi-64", "kalshi-256", f"coinswitch-{MASTER_CHILDREN}"):
        values[f"mapping {body} / json.loads"] = maps["ratio_to_json_loads"][body]
    for prefix in ("", "async "):
        values[f"{prefix}whole master consolidated / one request"] = master[
            f"{prefix}consolidated/one request"
        ]
    values["import adapter / import dependencies"] = boot["import adapter/import dependencies"]
    values["--help / import dependencies"] = boot["venue-balances --help/import dependencies"]
    for row in results["fan_out"]:
        if row["method"] == "coinswitch_balances":
            values[f"{row['mode']} fan-out wall / ideal"] = row["wall_s"] / row["ideal_s"]
    values["signatures per HTTP attempt"] = results["signatures_per_attempt"]
    values["eight accounts / one account"] = results["accounts"]["ratio"]
    big = results["big_fan_out"]["rows"]
    library_sync, library_async, command = big
    values["big fan-out library sync s past the deadline"] = max(0.0, library_sync["over_s"])
    values["big fan-out library async s past the deadline"] = max(0.0, library_async["over_s"])
    values["big fan-out command s past the deadline"] = max(0.0, command["over_s"])
    values["big fan-out peak MiB"] = max(row["peak_mib"] for row in big)
    values["big fan-out command stderr lines"] = command["stderr_lines"]
    return values


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target's figure, limit and verdict (none in a quick run)."""
    verdicts = {}
    for name, value in figures(results).items():
        limit = TARGETS[name]
        if results["quick"]:
            verdict = "not judged in a quick run"
        elif name in EXACT_TARGETS:
            verdict = "met" if value == limit else "MISSED"
        else:
            verdict = "met" if value <= limit else "MISSED"
        verdicts[name] = {"value": value, "limit": limit, "verdict": verdict}
    return verdicts

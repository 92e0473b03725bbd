"""The hostile cases of the third hardening round (issue 23), one catalogue: each finding
names the tests that keep it fixed, and the cases where memory is the point run here, each
in a child process of its own, whose peak is measured by the parent (`wait4`).

A case builds its hostile input (the sandbox's real HTTP on 127.0.0.1, told to misbehave,
or a report a library caller could hand us), runs the surface under test, asserts what must
hold, and returns the facts worth reporting. `python -m tests.hardening CASE` runs one and
prints its facts as JSON; `run_in_child` runs one that way and adds the child's peak.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from tests.paths import ROOT

Facts = dict[str, Any]


@attrs.frozen
class Case:
    finding: int
    run: Callable[[], Facts]
    peak_mib: int
    """The most the child process may hold at its peak, the interpreter included (~45 MiB)."""


CASES: dict[str, Case] = {}


def case(finding: int, peak_mib: int) -> Callable[[Callable[[], Facts]], Callable[[], Facts]]:
    def register(run: Callable[[], Facts]) -> Callable[[], Facts]:
        CASES[run.__name__] = Case(finding, run, peak_mib)
        return run

    return register


FINDINGS: dict[int, tuple[str, list[str]]] = {
    1: (
        "big fan-outs hold the deadline",
        [
            "tests/hardening.py::fallback_sync",
            "tests/hardening.py::fallback_async",
            "tests/engine/test_fanout.py",
        ],
    ),
    2: (
        "a plan that runs late keeps what arrived",
        ["tests/hardening.py::fallback_sync", "tests/hardening.py::fallback_async"],
    ),
    3: (
        "one wide amount does not take the table down",
        ["tests/hardening.py::wide_amount", "tests/test_render.py"],
    ),
    4: (
        "a lone surrogate blanks no output",
        [
            "tests/hardening.py::surrogates_on_every_surface",
            "tests/cli/test_hostile_text.py",
            "tests/unattended/test_metrics.py::test_label_values_from_a_venue_are_made_printable",
        ],
    ),
    5: (
        "the exporter does not fall to idle sockets",
        ["tests/unattended/test_http.py"],
    ),
    6: (
        "history is read in bounded memory, and bounded in growth",
        ["tests/unattended/history/test_store.py", "tests/unattended/history/test_reader.py"],
    ),
    7: (
        "a damaged history does not stop the fetch",
        ["tests/cli/test_history.py"],
    ),
    8: (
        "serve says what happens",
        ["tests/unattended/test_exporter.py", "tests/cli/test_serve.py"],
    ),
    9: (
        "the smaller ones: control bytes in labels, look-alike coins, 0600, master label, --min",
        [
            "tests/unattended/test_metrics.py::test_label_values_from_a_venue_are_made_printable",
            "tests/test_fields.py",
            "tests/unattended/history/test_store.py",
            "tests/cli/test_fetch.py",
        ],
    ),
}
"""Each finding of issue 23, and the tests (a module, or a module's test or case) that keep
it fixed. `tests/test_hardening.py` checks that every one named exists."""


FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.005, "coinswitch_rate_limit": None}
CHILDREN = 10_000
TIMEOUT = 1.0
GRACE = 0.5  # the engine's PLAN_GRACE: a plan's last steps after the deadline
SLACK = 1.5  # a busy 2-core machine's scheduling, on top


def _fallback(style: str) -> Facts:
    """Both venues; a CoinSwitch master of 10^4 children without its consolidated endpoint,
    at a 1 s deadline: the call ends in time, and keeps Kalshi's rows, the master's and
    every child's that arrived; each other child is an error, once."""
    import adapter
    from adapter.sandbox import Sandbox

    with Sandbox.demo(coinswitch_children=CHILDREN) as sandbox:
        sandbox.simulator("coinswitch_dma").consolidated = False
        sandbox.latency = 0.01
        options: dict[str, Any] = {"timeout": TIMEOUT, **FAST}
        started = time.monotonic()
        if style == "sync":
            with sandbox.client(**options) as client:
                report = client.all_balances()
        else:

            async def main() -> adapter.BalanceReport:
                async with sandbox.async_client(**options) as client:
                    return await client.all_balances()

            report = asyncio.run(main())
        wall = time.monotonic() - started
    kalshi = [b.subaccount for b in report.balances if b.venue == "kalshi"]
    coinswitch = [b.subaccount for b in report.balances if b.venue == "coinswitch_dma"]
    failed = [f.subaccount for f in report.errors]
    assert kalshi == [0, 1, 2], kalshi
    assert coinswitch[0] is None  # the master
    assert sorted(coinswitch[1:] + failed) == list(range(1001, 1001 + CHILDREN))
    assert wall < TIMEOUT + GRACE + SLACK, wall
    return {"wall_s": round(wall, 3), "children_read": len(coinswitch) - 1, "errors": len(failed)}


@case(finding=1, peak_mib=120)
def fallback_sync() -> Facts:
    return _fallback("sync")


@case(finding=1, peak_mib=120)
def fallback_async() -> Facts:
    return _fallback("async")


DIGITS = 1_000_000
ROWS = 2_000


@case(finding=3, peak_mib=100)
def wide_amount() -> Facts:
    """One amount of a million digits among 2,000 rows: the table shows its first digits
    and its length; JSON and CSV keep every digit."""
    from adapter.render import as_csv, as_json, as_table
    from tests.unattended.samples import coinswitch, kalshi, report

    wide = Decimal("9" * DIGITS)
    rows = [kalshi(n, f"{n}.25") for n in range(ROWS - 1)]
    rows.insert(ROWS // 2, coinswitch(None, "0"))
    rows[ROWS // 2] = attrs.evolve(rows[ROWS // 2], balance=wide)
    whole = report(*rows)
    table = as_table(whole)
    assert f"…({DIGITS:,} digits)" in table
    widest = max(len(line) for line in table.splitlines())
    assert widest < 200, widest
    machine = {"json": as_json(whole), "csv": as_csv(whole)}
    for text in machine.values():
        assert "9" * DIGITS in text
    return {"table_chars": len(table), "widest_line": widest}


@case(finding=4, peak_mib=80)
def surrogates_on_every_surface() -> Facts:
    """A lone surrogate, ESC and a zero-width space in a coin's name and in an error's text
    (as a library caller or an older release could hand us): every surface writes UTF-8,
    escapes them, and loses no row."""
    from pathlib import Path

    from adapter.domain import FetchError, Venue
    from adapter.errors import MalformedResponseError
    from adapter.render import as_csv, as_json, as_table
    from adapter.unattended.history import History
    from adapter.unattended.history.render import render_history
    from adapter.unattended.metrics import exposition
    from tests.unattended.samples import coinswitch, kalshi, report

    hostile = "U\ud800\x1b[2J\u200bSD"
    coin = coinswitch(None, "1.50")
    coin = attrs.evolve(coin, assets=(attrs.evolve(coin.assets[0], asset=hostile),))
    failure = FetchError(
        venue=Venue.COINSWITCH_DMA,
        subaccount=1001,
        error=MalformedResponseError(f"venue said {hostile}"),
    )
    whole = report(kalshi(0, "10.00"), coin, errors=(failure,))
    written = {
        "table": as_table(whole),
        "json": as_json(whole),
        "csv": as_csv(whole),
        "prometheus": exposition(
            whole, accounts=[("kalshi", Venue.KALSHI), ("coinswitch_dma", Venue.COINSWITCH_DMA)]
        ),
    }
    with tempfile.TemporaryDirectory() as directory:
        history = History(Path(directory) / "history.sqlite3")
        history.record(whole, simulated=False)
        for output in ("table", "json", "csv"):
            written[f"history {output}"] = render_history(history.snapshots(), output)
    for surface, text in written.items():
        text.encode("utf-8")  # raises on a lone surrogate
        assert "\x1b" not in text and "\u200b" not in text, surface
        assert "10.00" in text or "10.0" in text, surface  # Kalshi's row is still there
    return {surface: len(text) for surface, text in written.items()}


def run_in_child(name: str, timeout: float = 120) -> tuple[Facts, float]:
    """Run case `name` in a child process of its own: its facts, and its peak memory in
    MiB. The child reads its peak itself (`peak_mib`): the kernel's `ru_maxrss` of a child
    starts from its parent's at the fork, and a test run's parent holds hundreds of MiB."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.hardening", name],
            cwd=ROOT,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"case {name} ran past {timeout} s") from expired
    said = done.stderr.decode(errors="replace")
    assert done.returncode == 0, f"case {name} failed (exit {done.returncode}):\n{said}"
    facts = json.loads(done.stdout)
    return facts, facts.pop("peak_mib")


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM: of its own address space, which exec
    made anew), in MiB. Linux."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(name: str) -> None:
    facts = CASES[name].run()
    print(json.dumps({**facts, "peak_mib": peak_mib()}))


if __name__ == "__main__":
    main(sys.argv[1])

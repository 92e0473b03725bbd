"""`venue-balances serve`: the exporter as a desk runs it, scraped over loopback HTTP."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from adapter.sandbox import Fault, Sandbox
from tests.cli.command import BIN, CLEAN_ENV, run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> dict[str, float]:
    """/metrics as {'family{labels}': value}, comments left out."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.port = process, port

    def wait_for(self, condition: Any, timeout: float = 15.0) -> dict[str, float]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                samples = scrape(self.port)
            except OSError:
                samples = {}
            if samples and condition(samples):
                return samples
            time.sleep(0.05)
        raise AssertionError(f"condition never met; last scrape: {samples}")

    def stop(self) -> tuple[int, str, float]:
        stopping = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=10)
        return self.process.returncode, stderr, time.monotonic() - stopping


def serve(env: dict[str, str], *args: str) -> Served:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "venue-balances"), "serve", "--listen", f"127.0.0.1:{port}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    return Served(process, port)


def test_serve_exports_the_last_poll_and_scrapes_call_no_venue(
    desk: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    sandbox, env = desk
    served = serve(env, "--interval", "3600", "--no-record", "--min", "kalshi:2=1")
    try:
        samples = served.wait_for(
            lambda s: s.get('venue_balances_up{account="kalshi",venue="kalshi"}') == 1
        )
        polled = sandbox.requests
        assert polled == 2  # Kalshi's bulk call and CoinSwitch's consolidated one
        again = scrape(served.port)
        assert sandbox.requests == polled, "a scrape never calls a venue"
    finally:
        status, stderr, took = served.stop()
    assert status == 0 and took < 1.0, stderr
    for sample in (samples, again):
        balance = 'venue_balances_balance{account="%s",currency="%s",subaccount="%s",venue="%s"}'
        assert sample[balance % ("kalshi", "USD", "0", "kalshi")] == 1500.25
        assert sample[balance % ("kalshi", "USD", "2", "kalshi")] == 0.123456
        cs = "coinswitch_dma"
        assert sample[balance % (cs, "USDT", "master", cs)] == 10500.25
        assert sample[balance % (cs, "USDT", "1003", cs)] == 42.1
        equity = (
            'venue_balances_asset_equity{account="coinswitch_dma",asset="USDC",'
            'subaccount="1002",venue="coinswitch_dma"}'
        )
        assert sample[equity] == 250.0
        assert sample['venue_balances_up{account="coinswitch_dma",venue="coinswitch_dma"}'] == 1
        assert sample['venue_balances_below_minimum{selector="kalshi:2"}'] == 1
        assert sample["venue_balances_poll_duration_seconds"] > 0
        assert (
            sample['venue_balances_last_success_timestamp_seconds{account="kalshi",venue="kalshi"}']
            > 1.7e9
        )
    assert "serving http://127.0.0.1:" in stderr and "Traceback" not in stderr


def test_serve_drops_a_failed_venue_and_keeps_counting(
    desk: tuple[Sandbox, dict[str, str]],
) -> None:
    sandbox, env = desk
    served = serve(env, "--interval", "0.5", "--no-record", "--timeout", "2")
    try:
        first = served.wait_for(
            lambda s: s.get('venue_balances_up{account="kalshi",venue="kalshi"}') == 1
        )
        sandbox.inject("kalshi", Fault(status=403), times=1000)
        down = served.wait_for(
            lambda s: s.get('venue_balances_up{account="kalshi",venue="kalshi"}') == 0
        )
        sandbox.clear_faults()
        back = served.wait_for(
            lambda s: s.get('venue_balances_up{account="kalshi",venue="kalshi"}') == 1
        )
    finally:
        status, stderr, _ = served.stop()
    assert status == 0, stderr
    kalshi = [name for name in down if 'venue="kalshi"' in name and "balance{" in name]
    assert kalshi == [], "nothing stale is exported for a venue whose poll failed"
    assert any('venue="coinswitch_dma"' in name and "balance{" in name for name in down)
    assert down['venue_balances_up{account="coinswitch_dma",venue="coinswitch_dma"}'] == 1
    errors = 'venue_balances_fetch_errors_total{account="kalshi",kind="forbidden",venue="kalshi"}'
    assert first[errors] == 0 and down[errors] >= 1 and back[errors] >= down[errors]
    success = 'venue_balances_last_success_timestamp_seconds{account="kalshi",venue="kalshi"}'
    assert down[success] == first[success] or down[success] >= first[success]
    assert back[success] > first[success]


def test_serve_sandbox_and_a_busy_port(tmp_path: Path) -> None:
    served = serve(
        {**CLEAN_ENV, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
        "--sandbox",
        "--interval",
        "0.3",
    )
    try:
        first = served.wait_for(lambda s: 'venue_balances_up{account="kalshi",venue="kalshi"}' in s)
        key = (
            'venue_balances_balance{account="coinswitch_dma",currency="USDT",'
            'subaccount="master",venue="coinswitch_dma"}'
        )
        later = served.wait_for(lambda s: s[key] != first[key])  # the sandbox drifts
        busy = run("serve", "--sandbox", "--listen", f"127.0.0.1:{served.port}")
    finally:
        status, stderr, took = served.stop()
    assert status == 0 and took < 1.0
    assert abs(later[key] - first[key]) <= 2.5
    assert "SIMULATED" in stderr
    assert busy.returncode == 2 and "cannot listen" in busy.stderr
    assert list(tmp_path.rglob("history-sandbox.sqlite3")), "serve records by default"
    assert not list(tmp_path.rglob("history.sqlite3")), "the sandbox's numbers, apart"

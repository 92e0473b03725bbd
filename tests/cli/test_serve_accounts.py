"""`serve` with several accounts: a label per account on every per-account family, and
SIGHUP reading the accounts again (a file with a mistake keeps the running ones)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.cli.command import BIN, CLEAN_ENV

FILE = """
[accounts.us-desk]
venue = "kalshi"
api_key_id = "not read by the sandbox"
private_key_path = "~/absent.pem"

[accounts.in-master]
venue = "coinswitch_dma"
api_key = "00"
secret_key_env = "UNSET_TOO"
"""
MORE = FILE + '\n[accounts.us-fund]\nvenue = "kalshi"\n'


def _metrics(url: str, until: str, seconds: float = 15.0) -> str:
    end = time.monotonic() + seconds
    text = ""
    while time.monotonic() < end:
        try:
            text = httpx.get(url, timeout=2).text
        except httpx.HTTPError:
            text = ""
        if until in text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{until!r} never appeared in:\n{text}")


def test_serve_labels_accounts_and_rereads_them_on_sighup(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(FILE)
    process = subprocess.Popen(
        [
            str(BIN / "venue-balances"), "serve", "--sandbox", "--config", str(path),
            "--listen", "127.0.0.1:0", "--interval", "3600", "--no-record",
        ],
        env=CLEAN_ENV,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        port = None
        while port is None:
            line = process.stderr.readline()
            assert line, "serve ended before listening"
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", line)
            port = found and int(found[1])
        url = f"http://127.0.0.1:{port}/metrics"
        text = _metrics(url, 'venue_balances_up{account="in-master",venue="coinswitch_dma"} 1.0')
        assert 'venue_balances_up{account="us-desk",venue="kalshi"} 1.0' in text
        assert (
            'venue_balances_balance{account="us-desk",currency="USD",subaccount="0",venue="kalshi"}'
            in text
        )

        path.write_text(MORE)
        process.send_signal(signal.SIGHUP)
        text = _metrics(url, 'venue_balances_up{account="us-fund",venue="kalshi"} 1.0')
        assert "us-desk" in text and "in-master" in text

        path.write_text(MORE + "\n[accounts.broken]\nvenue = 7\n")
        process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        text = _metrics(url, 'account="us-fund"')
        assert 'account="broken"' not in text

        path.write_text(FILE)  # us-fund leaves: its series go with it
        process.send_signal(signal.SIGHUP)
        end = time.monotonic() + 15
        while 'account="us-fund"' in httpx.get(url, timeout=2).text:
            assert time.monotonic() < end, "us-fund's series stayed after it left the file"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=10)
    assert process.returncode == 0
    assert errors.count("accounts reloaded") == 2
    assert "were not reloaded, the running ones kept" in errors and "'broken'" in errors

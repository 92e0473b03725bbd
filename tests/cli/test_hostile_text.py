"""Venue text that no encoder takes or that looks like something else (a lone surrogate,
zero-width and format characters) on every surface of `fetch`: each output is written
whole, escaped, and one venue's text costs no other venue's rows (issue 23, finding 4)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sandbox import Fault, Sandbox
from tests.cli.command import BIN, CLEAN_ENV
from tests.reliability import UNPRINTABLE

# A coin whose name shows as "USDT" but is not: a zero-width space, a soft hyphen, U+FEFF.
LOOKALIKE = "US\u200bD\u00adT\ufeff"
SHOWN_LOOKALIKE = "US\\u200bD\\xadT\\ufeff"
# An error message with a lone surrogate (as a JSON escape on the wire) and ESC.
HOSTILE_ERROR = b'{"message": "refused \\ud800 \\u001b[2J \\u2028 end"}'

FORMATS = ["table", "csv", "json", "prometheus"]


def fetch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command as a desk runs it, its output kept as bytes: text that is not UTF-8
    must fail the test, not its decoding."""
    return subprocess.run(
        [str(BIN / "venue-balances"), *args],
        capture_output=True,
        env={**CLEAN_ENV, **env},
        timeout=60,
    )


@pytest.fixture
def lookalike(tmp_path: Path) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    sandbox = Sandbox.demo()
    simulator = sandbox.simulator("coinswitch_dma")
    simulator.master["balance_detail"]["coin"][0]["coin"] = LOOKALIKE
    with sandbox:
        yield sandbox, sandbox.environment(tmp_path)


@pytest.mark.parametrize("output", ["table", "json"])  # the outputs that name coins
def test_a_lookalike_coin_is_shown_escaped(
    lookalike: tuple[Sandbox, dict[str, str]], output: str
) -> None:
    _, env = lookalike
    result = fetch(env, "--format", output)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")  # strict: every byte is UTF-8
    assert not UNPRINTABLE.search(text), UNPRINTABLE.findall(text)
    if output == "json":  # JSON escapes by itself and keeps the venue's text as it was
        assets = [a["asset"] for b in json.loads(text)["balances"] for a in b["assets"]]
        assert LOOKALIKE in assets
    else:
        assert SHOWN_LOOKALIKE in text


@pytest.mark.parametrize("output", FORMATS)
def test_an_error_with_a_lone_surrogate_costs_no_other_row(
    lookalike: tuple[Sandbox, dict[str, str]], output: str, tmp_path: Path
) -> None:
    sandbox, env = lookalike
    sandbox.inject("coinswitch_dma", Fault(status=400, body=HOSTILE_ERROR))
    db = tmp_path / "history.sqlite3"
    result = fetch(env, "--format", output, "--record", str(db))
    assert result.returncode == 1, result.stderr
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    for stream in (out, err):
        assert not UNPRINTABLE.search(stream), UNPRINTABLE.findall(stream)
    assert "kalshi" in out  # Kalshi's rows are printed all the same
    [error] = [line for line in err.splitlines() if line.startswith("error:")]
    assert error.endswith("HTTP 400: refused \\ud800 \\x1b[2J end"), error
    with sqlite3.connect(db) as history:
        [(snapshots,)] = history.execute("SELECT count(*) FROM snapshot")
        [(balances,)] = history.execute("SELECT count(*) FROM balance WHERE venue = 'kalshi'")
        [(message,)] = history.execute("SELECT message FROM error")
    assert (snapshots, balances) == (1, 3)  # recorded, Kalshi's rows with it
    message.encode("utf-8")

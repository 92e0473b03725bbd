"""`venue-balances` (fetch): every configured venue's balances in each format, with totals,
floors and partial failures, as a desk sees them."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sandbox import Fault, Sandbox
from tests.cli.command import CLEAN_ENV, CSV_HEADER, check_sample_json, run
from tests.paths import ROOT
from tests.reliability import EVIL_MESSAGE, SHOWN_MESSAGE, UNPRINTABLE, tally


def test_sandbox_table() -> None:
    result = run("--sandbox")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("SIMULATED")
    for text in ("1500.2500", "320.75", "0.123456", "5000.00", "10750.25", "42.10", "0 (primary)"):
        assert text in out
    assert "coinswitch_dma  master       USDT      10500.25" in out
    assert "TOTALS" in out
    totals = out.split("TOTALS")[1]
    assert "1821.123456" in totals and "26292.60" in totals  # the master's own 10500.25 too
    rows = [line for line in out.splitlines() if line.startswith(("kalshi ", "coinswitch_dma "))]
    assert len(rows) >= 7
    # Aligned columns: the decimal points of the BALANCE column line up.
    balance_rows = rows[:7]
    points = {line.index(".", line.index("USD")) for line in balance_rows}
    assert len(points) == 1, balance_rows
    assert result.stderr == ""


def test_sandbox_json_matches_the_contract() -> None:
    result = run("--sandbox", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "SIMULATED" in result.stderr
    document = json.loads(result.stdout)
    check_sample_json(document, [None, 1001, 1002, 1003])
    assert document["errors"] == []


def test_sandbox_csv() -> None:
    result = run("--sandbox", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "SIMULATED" in result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    assert rows[1] == [
        "kalshi",
        "0",
        "true",
        "USD",
        "1500.2500",
        "2025-11-21T18:59:00Z",
        "",
        "",
        "",
        "kalshi",
    ]
    cs = "coinswitch_dma"
    assert rows[4] == [cs, "", "true", "USDT", "10500.25", "", "", "84.50", "", cs]
    assert rows[5] == [cs, "1001", "false", "USDT", "5000.00", "", "true", "84.50", "", cs]
    assert rows[7] == [cs, "1003", "false", "USDT", "42.10", "", "false", "84.50", "", cs]
    assert len(rows) == 8


def test_partial_failure_exits_1_and_prints_the_rest() -> None:
    result = run(
        "--sandbox",
        "--format",
        "json",
        "--subaccount",
        "1002",
        "--subaccount",
        "9999",
        "--subaccount",
        "2001",
    )
    assert result.returncode == 1
    document = json.loads(result.stdout)
    check_sample_json(document, [1002])
    assert document["errors"] == [
        {
            "account": "coinswitch_dma",
            "venue": "coinswitch_dma",
            "subaccount": 9999,
            "kind": "not_found",
            "status": 404,
            "message": "subaccount not found",
        },
        {
            "account": "coinswitch_dma",
            "venue": "coinswitch_dma",
            "subaccount": 2001,
            "kind": "forbidden",
            "status": 403,
            "message": "subaccount does not belong to master account",
        },
    ]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "subaccount 9999" in errors[0] and "HTTP 404" in errors[0]
    assert "Traceback" not in result.stderr


def test_sandbox_one_venue() -> None:
    result = run("--sandbox", "--format", "json", "--venue", "kalshi")
    assert result.returncode == 0
    assert {row["venue"] for row in json.loads(result.stdout)["balances"]} == {"kalshi"}


def test_readme_shows_the_real_sandbox_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# venue-balances")
    commands = [
        line.split("#")[0].strip() for line in readme.split("```sh", 1)[1].splitlines()[1:3]
    ]
    assert commands == ["uv run venue-balances --sandbox", "uv run pytest"]
    assert run("--sandbox").stdout in readme


def test_default_deadline_grows_with_the_subaccounts_asked_for() -> None:
    from adapter.cli import deadline

    assert deadline(None, {}, []) == 10.0
    many = {"coinswitch_subaccounts": list(range(200))}
    assert deadline(None, many, []) == 30.0  # 200 at the 10/s rate limit
    assert deadline(2.5, many, []) == 2.5  # --timeout wins
    # Several masters are read at once, each at its own rate: the longest list counts.
    per_master = {"coinswitch_subaccounts": {"a": list(range(100)), "b": list(range(300))}}
    assert deadline(None, per_master, []) == 40.0


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_for_many_subaccounts() -> None:
    from adapter.cli import progress_line

    assert progress_line(io.StringIO()) is None  # not a terminal: no progress line
    terminal = FakeTerminal()
    show = progress_line(terminal)
    assert show is not None
    show(1, 3)
    show(3, 3)
    show(-1, 0)
    assert terminal.getvalue() == "", "too few to bother, and nothing to erase"
    show(1, 40)
    show(40, 40)
    show(-1, 0)
    assert terminal.getvalue() == ("\rfetching balances: 1/40\rfetching balances: 40/40\r\033[K")


def test_progress_is_fed_by_all_balances(sandbox: Sandbox) -> None:
    seen: list[tuple[int, int]] = []
    with sandbox.client(coinswitch_rate_limit=None) as client:
        client.all_balances(
            sandbox.simulator("coinswitch_dma").subaccounts,
            progress=lambda d, t: seen.append((d, t)),
        )
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_totals_that_miss_a_failed_subaccount_say_so() -> None:
    result = run("--sandbox", "--subaccount", "1001", "--subaccount", "9999")
    assert result.returncode == 1
    totals = result.stdout.split("TOTALS")[1].split("ASSETS")[0]
    [kalshi] = [line for line in totals.splitlines() if line.startswith("kalshi")]
    [coinswitch] = [line for line in totals.splitlines() if line.startswith("coinswitch_dma")]
    assert "incomplete" not in kalshi
    assert coinswitch.split() == ["coinswitch_dma", "USDT", "1", "5000.00", *coinswitch.split()[4:]]
    assert coinswitch.endswith("incomplete: 1 could not be fetched")


def test_sandbox_with_two_hundred_children_and_latency() -> None:
    env = {"COINSWITCH_DMA_SANDBOX_CHILDREN": "200", "VENUE_BALANCES_SANDBOX_LATENCY_MS": "30"}
    result = run("--sandbox", "--format", "json", "--venue", "coinswitch_dma", env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["balances"]
    assert [row["subaccount"] for row in rows] == [None, *range(1001, 1201)]
    assert sum(row["active"] is False for row in rows) == 20  # every tenth child is inactive
    bad = run("--sandbox", env={"COINSWITCH_DMA_SANDBOX_CHILDREN": "many"})
    assert bad.returncode == 2 and "COINSWITCH_DMA_SANDBOX_CHILDREN" in bad.stderr


def test_positions_show_portfolio_value_and_shards_for_every_kalshi_subaccount() -> None:
    from decimal import Decimal

    result = run("--sandbox", "--positions", "--format", "json")
    assert result.returncode == 0, result.stderr
    kalshi = [b for b in json.loads(result.stdout)["balances"] if b["venue"] == "kalshi"]
    assert [(b["subaccount"], b["portfolio_value"]) for b in kalshi] == [
        (0, "123.45"),
        (1, "0.00"),
        (2, "50.00"),
    ]
    for row in kalshi:
        assert row["shards"], row
        indexes = [shard["exchange_index"] for shard in row["shards"]]
        assert indexes == sorted(indexes)
        total = sum((Decimal(shard["balance"]) for shard in row["shards"]), Decimal(0))
        assert total == Decimal(row["balance"])  # the shards sum exactly to the cash
    table = run("--sandbox", "--positions").stdout
    assert table.splitlines()[2].split()[3:6] == ["BALANCE", "PORTFOLIO", "VALUE"]
    shards = table.split("SHARDS")[1].split("TOTALS")[0]
    [short] = [line for line in shards.splitlines() if "-5.00" in line]
    assert short.split()[:2] == ["kalshi", "1"] and short.endswith("no cash on this shard")
    assert "173.45" in table.split("TOTALS")[1]  # 123.45 + 0.00 + 50.00
    csv_rows = list(
        csv.reader(io.StringIO(run("--sandbox", "--positions", "--format", "csv").stdout))
    )
    value = csv_rows[0].index("portfolio_value")
    assert value == 8  # its place before accounts: scripts reading columns by position
    assert [row[value] for row in csv_rows[1:4]] == ["123.45", "0.00", "50.00"]
    assert all(row[value] == "" for row in csv_rows[4:]), "CoinSwitch has no portfolio value"
    wrong = run("--sandbox", "--positions", "--venue", "coinswitch_dma")
    assert wrong.returncode == 2 and "--positions" in wrong.stderr


def test_floors_on_fetch(desk: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = desk
    broken = run("--min", "kalshi:total=1821.123457", "--min", "coinswitch_dma:master=1", env=env)
    assert broken.returncode == 3, broken.stderr
    [line] = [text for text in broken.stderr.splitlines() if "kalshi" in text]
    assert "1821.123456" in line and "1821.123457" in line
    held = run("--min", "kalshi:total=1821.123456", "--min", "coinswitch_dma=42.10", env=env)
    assert held.returncode == 0, held.stderr
    missing = run("--min", "coinswitch_dma:9999=1", env=env)
    assert missing.returncode == 0 and "selects no fetched balance" in missing.stderr
    for bad in ("kalshi=1e5", "nowhere:1=5", "kalshi:total", "kalshi:x=1"):
        result = run("--min", bad, env=env)
        assert result.returncode == 2 and result.stdout == "", (bad, result.stderr)


def test_prometheus_into_a_file_for_the_textfile_collector(
    desk: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    _, env = desk
    (tmp_path / "textfiles").mkdir()
    target = tmp_path / "textfiles" / "venue_balances.prom"
    target.write_text("old\n")
    result = run("--format", "prometheus", "--output", str(target), "--min", "kalshi=100", env=env)
    assert result.returncode == 3 and result.stdout == ""
    text = target.read_text()
    assert (
        'venue_balances_balance{account="kalshi",currency="USD",subaccount="1",venue="kalshi"}'
        " 320.75" in text
    )
    assert 'venue_balances_below_minimum{selector="kalshi"} 1.0' in text
    assert [p.name for p in target.parent.iterdir()] == [target.name], "no temporary left"
    table = run("--output", str(tmp_path / "table.txt"), "--sandbox", env=CLEAN_ENV)
    assert table.returncode == 0 and table.stdout == "" and "SIMULATED" in table.stderr
    assert "TOTALS" in (tmp_path / "table.txt").read_text()


def test_prometheus_output_of_the_sandbox_says_it_is_simulated() -> None:
    sandboxed = run("--sandbox", "--format", "prometheus").stdout
    assert "\nvenue_balances_simulated 1.0\n" in sandboxed


EVIL_COIN = "EVIL\x1b[1A\x1b[2K\ncoinswitch_dma  9999  USDT  1000000.00"


@pytest.fixture
def hostile_text_cli(tmp_path: Path) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """A sandbox whose CoinSwitch coin symbol holds ESC and a newline, and the environment
    that points the CLI at it (as a desk would point it at the real venues)."""
    sandbox = Sandbox.demo()
    simulator = sandbox.simulator("coinswitch_dma")
    account = copy.deepcopy(simulator.accounts[1001])
    account["balance_detail"]["coin"][0]["coin"] = EVIL_COIN
    simulator.accounts = {1001: account}
    with sandbox:
        env = sandbox.environment(tmp_path)
        yield sandbox, {**env, "COINSWITCH_DMA_SUBACCOUNTS": "1001"}


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_cli_prints_venue_text_safely(
    hostile_text_cli: tuple[Sandbox, dict[str, str]], output: str
) -> None:
    sandbox, env = hostile_text_cli
    fault = Fault(status=400, body=json.dumps({"message": EVIL_MESSAGE}).encode())
    sandbox.inject("kalshi", fault)
    result = run("--format", output, "--debug", env=env)
    assert result.returncode == 1, result.stderr
    for stream in (result.stdout, result.stderr):
        assert not UNPRINTABLE.search(stream), UNPRINTABLE.findall(stream)
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.endswith(SHOWN_MESSAGE)
    if output == "table":
        rows = [line for line in result.stdout.splitlines() if line.startswith("coinswitch")]
        assert len(rows) == 3  # balance, total, asset: no row injected
        assert "EVIL\\x1b[1A\\x1b[2K\\x0acoinswitch_dma  9999" in rows[2]
    elif output == "csv":
        assert len(result.stdout.splitlines()) == 2  # the header and subaccount 1001
    else:  # JSON escapes by itself, and keeps the venue's text as it was
        document = json.loads(result.stdout)
        assert document["balances"][0]["assets"][0]["asset"] == EVIL_COIN
    tally("hardening cases tried")

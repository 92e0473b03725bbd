"""The `venue-balances` command, run as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapter.sandbox import Sandbox
from adapter.venues.coinswitch_dma.simulator import SAMPLE_ACCOUNTS as SAMPLE_COINSWITCH
from adapter.venues.coinswitch_dma.simulator import SAMPLE_MASTER
from adapter.venues.kalshi.simulator import SAMPLE_BALANCES as SAMPLE_KALSHI

BIN = Path(sys.executable).parent
KEYS = ["fetched_at", "simulated", "balances", "errors"]
BALANCE_KEYS = [
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
ERROR_KEYS = ["venue", "subaccount", "kind", "status", "message"]
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
    assert rows[0] == [
        "venue",
        "subaccount",
        "primary",
        "currency",
        "balance",
        "updated_at",
        "active",
        "inr_rate",
        "portfolio_value",
    ]
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
    ]
    assert rows[4] == ["coinswitch_dma", "", "true", "USDT", "10500.25", "", "", "84.50", ""]
    assert rows[5] == [
        "coinswitch_dma",
        "1001",
        "false",
        "USDT",
        "5000.00",
        "",
        "true",
        "84.50",
        "",
    ]
    assert rows[7] == ["coinswitch_dma", "1003", "false", "USDT", "42.10", "", "false", "84.50", ""]
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
            "venue": "coinswitch_dma",
            "subaccount": 9999,
            "kind": "not_found",
            "status": 404,
            "message": "subaccount not found",
        },
        {
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


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapter", "--sandbox", "--format", "json", "--venue", "kalshi"],
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    )
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["balances"]) == 3


@pytest.mark.parametrize(
    ("args", "env", "complaint"),
    [
        ((), {}, "KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"),
        ((), {}, "--sandbox"),
        ((), {"KALSHI_API_KEY_ID": "abc"}, "KALSHI_PRIVATE_KEY_PATH is not set"),
        (
            (),
            {"KALSHI_API_KEY_ID": "abc", "KALSHI_PRIVATE_KEY_PATH": "/nonexistent.pem"},
            "cannot read",
        ),
        (
            (),
            {"COINSWITCH_API_KEY": "ab" * 32, "COINSWITCH_SECRET_KEY": "cd" * 32},
            "not the public key",
        ),
        (("--format", "xml"), {}, "invalid choice: 'xml'"),
        (("--subaccount", "abc"), {}, "not a subaccount id"),
        (("--timeout", "-3"), {}, "--timeout"),
        (("--bogus",), {}, "unrecognized arguments: --bogus"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    args: tuple[str, ...], env: dict[str, str], complaint: str
) -> None:
    result = run(*args, env=env)
    assert result.returncode == 2, result
    assert complaint in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.fixture
def live_like(tmp_path: Path) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """A sandbox standing in for the real venues, and the environment a desk would set."""
    with Sandbox.demo() as sandbox:
        env = sandbox.environment(tmp_path)
        assert set(env) == {
            "KALSHI_API_KEY_ID",
            "KALSHI_PRIVATE_KEY_PATH",
            "KALSHI_BASE_URL",
            "COINSWITCH_API_KEY",
            "COINSWITCH_SECRET_KEY",
            "COINSWITCH_DMA_BASE_URL",
        }
        assert Path(env["KALSHI_PRIVATE_KEY_PATH"]).read_bytes().startswith(b"-----BEGIN")
        env["COINSWITCH_DMA_SUBACCOUNTS"] = "1003, 1001"
        yield sandbox, env


def test_configured_from_the_environment(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, env = live_like
    result = run("--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    check_sample_json(json.loads(result.stdout), [1003, 1001], simulated=False)
    assert result.stderr == "", "no banner and no warning for a real configuration"
    assert sandbox.requests == 3


def test_subaccount_flag_overrides_the_environment(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    result = run("--format", "json", "--venue", "coinswitch_dma", "--subaccount", "1002", env=env)
    assert result.returncode == 0, result.stderr
    check_sample_json(json.loads(result.stdout), [1002], kalshi_ids=(), simulated=False)


def test_coinswitch_without_ids_reads_the_whole_master(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    sandbox, env = live_like
    for unset in ("", " "):
        env["COINSWITCH_DMA_SUBACCOUNTS"] = unset
        sandbox.reset_counters()
        result = run("--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        check_sample_json(json.loads(result.stdout), [None, 1001, 1002, 1003], simulated=False)
        targets = [seen.target for seen in sandbox.log if seen.venue == "coinswitch_dma"]
        assert targets == ["/dma/api/v1/master/balance/consolidated"]


def test_warns_about_a_readable_key_file(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = live_like
    Path(env["KALSHI_PRIVATE_KEY_PATH"]).chmod(0o644)
    result = run("--venue", "kalshi", env=env)
    assert result.returncode == 0
    assert "accessible by group or others" in result.stderr and "chmod 600" in result.stderr


def test_one_venue_down_exits_1(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = live_like
    env["KALSHI_BASE_URL"] = "http://127.0.0.1:9/trade-api/v2"  # nothing listens there
    result = run("--format", "csv", "--timeout", "2", env=env)
    assert result.returncode == 1
    assert result.stdout.count("coinswitch_dma,") == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: kalshi GET /portfolio/subaccounts/balances")


def test_readme_shows_the_real_sandbox_output() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# venue-balances")
    commands = [
        line.split("#")[0].strip() for line in readme.split("```sh", 1)[1].splitlines()[1:3]
    ]
    assert commands == ["uv run venue-balances --sandbox", "uv run pytest"]
    assert run("--sandbox").stdout in readme


def test_default_deadline_grows_with_the_subaccounts_asked_for() -> None:
    from adapter.cli import deadline

    assert deadline(None, {}) == 10.0
    many = {"coinswitch_subaccounts": list(range(200))}
    assert deadline(None, many) == 30.0  # 200 at the 10/s rate limit
    assert deadline(2.5, many) == 2.5  # --timeout wins


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


def test_subaccounts_of_a_venue_without_keys_is_a_configuration_error(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    for name in ("COINSWITCH_API_KEY", "COINSWITCH_SECRET_KEY"):
        del env[name]
    result = run("--format", "csv", env=env)  # Kalshi keys, CoinSwitch ids, no CoinSwitch keys
    assert result.returncode == 2, result
    assert "COINSWITCH_DMA_SUBACCOUNTS" in result.stderr
    assert "COINSWITCH_API_KEY" in result.stderr and "COINSWITCH_SECRET_KEY" in result.stderr
    assert result.stdout == ""
    result = run("--subaccount", "1001", env={**env, "COINSWITCH_DMA_SUBACCOUNTS": ""})
    assert result.returncode == 2 and "--subaccount" in result.stderr
    del env["COINSWITCH_DMA_SUBACCOUNTS"]
    assert run(env=env).returncode == 0, "Kalshi alone, nothing named elsewhere: fine"


def test_totals_that_miss_a_failed_subaccount_say_so() -> None:
    result = run("--sandbox", "--subaccount", "1001", "--subaccount", "9999")
    assert result.returncode == 1
    totals = result.stdout.split("TOTALS")[1].split("ASSETS")[0]
    [kalshi] = [line for line in totals.splitlines() if line.startswith("kalshi")]
    [coinswitch] = [line for line in totals.splitlines() if line.startswith("coinswitch_dma")]
    assert "incomplete" not in kalshi
    assert coinswitch.split() == ["coinswitch_dma", "USDT", "1", "5000.00", *coinswitch.split()[4:]]
    assert coinswitch.endswith("incomplete: 1 could not be fetched")


def test_a_venue_with_nothing_fetched_still_shows_in_totals(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    env["KALSHI_BASE_URL"] = "http://127.0.0.1:9/trade-api/v2"  # nothing listens there
    result = run("--timeout", "2", env=env)
    assert result.returncode == 1
    totals = result.stdout.split("TOTALS")[1]
    [kalshi] = [line for line in totals.splitlines() if line.startswith("kalshi")]
    assert kalshi.split()[:4] == ["kalshi", "-", "0", "-"]
    assert kalshi.endswith("incomplete: 1 could not be fetched")


def test_subaccounts_command() -> None:
    result = run("subaccounts", "--sandbox", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "SIMULATED" in result.stderr
    document = json.loads(result.stdout)
    assert document["simulated"] is True and document["errors"] == []
    assert [
        (s["venue"], s["subaccount"], s["primary"], s["active"]) for s in document["subaccounts"]
    ] == [
        ("kalshi", 0, True, None),
        ("kalshi", 1, False, None),
        ("kalshi", 2, False, None),
        ("coinswitch_dma", 1000, True, None),
        ("coinswitch_dma", 1001, False, True),
        ("coinswitch_dma", 1002, False, True),
        ("coinswitch_dma", 1003, False, False),
    ]
    table = run("subaccounts", "--sandbox", "--venue", "coinswitch_dma")
    assert table.returncode == 0
    assert table.stdout.splitlines()[2].split() == ["VENUE", "SUBACCOUNT", "PRIMARY", "ACTIVE"]
    assert table.stdout.splitlines()[3].split() == ["coinswitch_dma", "1000", "yes", "-"]
    assert "kalshi" not in table.stdout.split("\n", 2)[2]
    assert run("subaccounts", "--help").returncode == 0


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
    assert [row[-1] for row in csv_rows[1:4]] == ["123.45", "0.00", "50.00"]
    assert all(row[-1] == "" for row in csv_rows[4:]), "CoinSwitch has no portfolio value"
    wrong = run("--sandbox", "--positions", "--venue", "coinswitch_dma")
    assert wrong.returncode == 2 and "--positions" in wrong.stderr

"""An application that uses the library type-checks with `mypy --strict`, and a misspelt
option or a wrong argument type does not (the wheel ships adapter/py.typed)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.paths import ROOT

BIN = Path(sys.executable).parent

CONSUMER = """
import asyncio
from decimal import Decimal

import adapter


def total(client: adapter.BalanceClient) -> Decimal:
    report: adapter.BalanceReport = client.all_balances(kalshi_positions=False)
    master: adapter.SubaccountBalance = client.coinswitch_master_balance()
    listed: list[adapter.Subaccount] = client.coinswitch_subaccounts()
    assert listed and master.balance >= 0
    return sum((b.balance for b in report.balances), Decimal(0))


async def later(client: adapter.AsyncBalanceClient) -> list[adapter.SubaccountBalance]:
    return await client.coinswitch_all_balances()


client = adapter.BalanceClient(
    kalshi=adapter.KalshiSigner.from_file("key-id", "kalshi.pem"),
    coinswitch=None,
    timeout=5.0,
    kalshi_rate_limit=None,
)
print(total(client), asyncio.run(later(adapter.AsyncBalanceClient.from_env())))
"""


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "consumer.py"
    script.write_text(source)
    return subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", str(script)],
        cwd=tmp_path,  # not the project: only what an installed package shows
        capture_output=True,
        text=True,
    )


def test_a_typed_consumer_passes_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, CONSUMER)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("wrong", "complaint"),
    [
        ("timeout=5.0,", "timout"),
        ("kalshi_rate_limit=None,", 'Argument "kalshi_rate_limit"'),
    ],
    ids=["misspelt-option", "wrong-type"],
)
def test_mypy_strict_rejects_a_misspelt_option_or_a_wrong_type(
    tmp_path: Path, wrong: str, complaint: str
) -> None:
    mistake = {"timeout=5.0,": "timout=5,", "kalshi_rate_limit=None,": 'kalshi_rate_limit="x",'}
    result = mypy(tmp_path, CONSUMER.replace(wrong, mistake[wrong]))
    assert result.returncode == 1
    assert complaint in result.stdout, result.stdout


def test_the_wheel_ships_types_a_license_and_only_our_packages(tmp_path: Path) -> None:
    subprocess.run(
        ["uv", "build", "--wheel", "--out-dir", str(tmp_path), "--quiet"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"adapter", "venue_balances_kalshi", "venue_balances_coinswitch_dma"}
    assert "adapter/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

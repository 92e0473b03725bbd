"""generated/ is exactly what scripts/regenerate.py writes from specs/."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_regenerate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "scripts" / "regenerate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/regenerate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_when_a_spec_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    regenerate = load_regenerate()
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    spec = specs / "coinswitch-dma.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "description: The subaccount queried." in text
    spec.write_text(text.replace("The subaccount queried.", "The queried subaccount."), "utf-8")
    monkeypatch.setattr(regenerate, "SPECS", specs)
    before = {p: p.read_bytes() for p in (ROOT / "generated").rglob("*.py")}

    assert regenerate.main(["--check"]) == 1

    after = {p: p.read_bytes() for p in (ROOT / "generated").rglob("*.py")}
    assert before == after, "--check must touch nothing"


@pytest.mark.parametrize("package", ["venue_balances_kalshi", "venue_balances_coinswitch_dma"])
def test_generated_packages_are_typed_and_marked(package: str) -> None:
    directory = ROOT / "generated" / package
    assert (directory / "py.typed").is_file()
    for module in directory.rglob("*.py"):
        first = module.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# generated — do not edit; written by scripts/regenerate.py")


def test_packages_import() -> None:
    code = "import venue_balances_kalshi, venue_balances_coinswitch_dma, adapter"
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")

"""The third hardening round's catalogue (`tests/hardening.py`): every case in a child
process of its own, within its memory; every finding kept by tests that exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.hardening import CASES, FINDINGS, run_in_child
from tests.paths import ROOT


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_holds_in_a_child_process_within_its_memory(name: str) -> None:
    facts, peak = run_in_child(name)
    assert facts  # what the case measured; the case asserted what must hold
    assert peak < CASES[name].peak_mib, f"{name}: peak {peak:.0f} MiB"


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_finding_is_kept_by_tests_that_exist() -> None:
    assert sorted(FINDINGS) == list(range(1, 10))
    for finding, (what, tests) in FINDINGS.items():
        assert tests, f"finding {finding} ({what}) names no test"
        for test in tests:
            module, _, name = test.partition("::")
            path = ROOT / module
            assert path.is_file(), f"finding {finding}: no {module}"
            assert not name or name in _defined(path), f"finding {finding}: no {test}"
    covered = {CASES[name].finding for name in CASES}
    for name, case in CASES.items():
        assert f"tests/hardening.py::{name}" in FINDINGS[case.finding][1], name
    assert covered <= set(FINDINGS)

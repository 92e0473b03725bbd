"""`venue-balances subaccounts`: each configured venue's subaccounts, as a table and JSON."""

from __future__ import annotations

import json

from tests.cli.command import run


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

"""The fetch's output formats (`adapter.render`): every digit kept, venue text made printable."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from adapter.domain import BalanceReport, SubaccountBalance, Venue
from adapter.render import as_csv, as_json, as_table, failure_line, totals
from adapter.sandbox import Sandbox
from adapter.unattended.floors import check_floors, parse_floors
from tests.fake_venues import FakeVenues, cs_body, edited
from tests.properties import BUDGET
from tests.reliability import UNPRINTABLE, tally


def shown(text: str) -> str:
    """The oracle of `fields.printable`, character by character."""

    def escaped(c: str) -> str:
        code = ord(c)
        if code < 0x100:
            return f"\\x{code:02x}"
        return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"

    return "".join(escaped(c) if UNPRINTABLE.fullmatch(c) or c == "\n" else c for c in text)


@BUDGET
@given(message=st.text(max_size=40), coin=st.text(min_size=1, max_size=12))
def test_venue_text_is_printed_safely(
    make_client: Any, venues: FakeVenues, message: str, coin: str
) -> None:
    venues.kalshi = lambda request: httpx.Response(400, json={"message": message})
    venues.coinswitch[1001] = edited(cs_body(1001), "data.balance_detail.coin.0.coin", coin)
    with make_client(max_retries=0) as client:
        report = client.all_balances([1001])
    [failure] = report.errors
    collapsed = " ".join(message.split())
    assert failure.error.message == (shown(collapsed) if collapsed else "Bad Request")
    assert report.balances[0].assets[0].asset == coin  # the domain keeps the venue's text
    table = as_table(report)
    for text in (table, as_csv(report), failure_line(failure)):
        assert not UNPRINTABLE.search(text), text
    # No line added or taken away: balance, totals (Kalshi's marked incomplete), asset.
    assert table.count("\n") == 11
    tally("property examples: venue text printed")


def test_table_totals_never_lose_or_refuse_digits() -> None:
    huge = "1" + "0" * 1000
    balances = [
        SubaccountBalance(
            venue=Venue.KALSHI, subaccount=n, primary=n == 0, currency="USD", balance=Decimal(b)
        )
        for n, b in ((0, huge), (1, "0.1"), (2, "0.000001"))
    ]
    report = BalanceReport(balances=balances, errors=[])
    [total, _] = totals(report)  # the account's, the venue's
    assert format(total.balance, "f") == huge + ".100001"
    assert json.loads(as_json(report))["totals"][0]["balance"] == huge + ".100001"
    table = as_table(report)
    # The table shows a wide amount by its first digits and its length: no table's width
    # (nor memory) grows with one absurd amount.
    assert "10000000000000000000…(1,007 digits)" in table.split("TOTALS")[1]
    assert "10000000000000000000…(1,001 digits)" in table.split("TOTALS")[0]
    assert not re.search(r"[0-9]E[-+]?[0-9]", table)  # never exponent notation


def test_a_failed_positions_read_keeps_the_cash_total_whole(sandbox: Sandbox) -> None:
    sandbox.simulator("kalshi").balance_errors[1] = 404
    try:
        with sandbox.client(coinswitch=None) as client:
            report = client.all_balances(kalshi_positions=True)
    finally:
        sandbox.simulator("kalshi").balance_errors.clear()
    assert len(report.balances) == 3 and len(report.errors) == 1
    assert report.unfetched("kalshi") == []
    totals = as_table(report).split("TOTALS")[1]
    [line] = [row for row in totals.splitlines() if row.startswith("kalshi")]
    assert "1821.123456" in line and "incomplete: " not in line.replace("value incomplete", "")
    assert line.endswith("portfolio value incomplete: 1 could not be read")
    [breach] = check_floors(parse_floors(["kalshi:total=2000"]), report).breaches
    assert not breach.incomplete, "every balance of the total was fetched"

"""The fetch's output formats (`adapter.render`): every digit kept, venue text made printable."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.fake_venues import FakeVenues, cs_body, edited
from tests.properties import BUDGET
from tests.reliability import UNPRINTABLE, tally


def shown(text: str) -> str:
    """The oracle of `fields.printable`, character by character."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if UNPRINTABLE.fullmatch(c) or c == "\n"
        else c
        for c in text
    )


@BUDGET
@given(message=st.text(max_size=40), coin=st.text(min_size=1, max_size=12))
def test_venue_text_is_printed_safely(
    make_client: Any, venues: FakeVenues, message: str, coin: str
) -> None:
    from adapter.render import as_csv, as_table, failure_line

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

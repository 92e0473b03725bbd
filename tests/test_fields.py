"""The strict readers of a venue's scalars (`adapter.fields`): numerals, JSON, exact amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fake_venues import FakeVenues, cs_body, kalshi_row
from tests.reliability import tally

FORTY = "1234567890123456789012345678901234.567890"  # 40 digits


def test_forty_digit_amounts_are_exact(make_client: Any, venues: FakeVenues) -> None:
    venues.kalshi = {
        "subaccount_balances": [
            kalshi_row(0, FORTY, exchange_index=0),
            kalshi_row(0, "0.000001", exchange_index=1),
        ]
    }
    body = cs_body(1001, total=FORTY)
    body["data"]["balance_detail"]["coin"][0]["walletBalance"] = "-" + FORTY
    venues.coinswitch[1001] = body
    with make_client() as client:
        [kalshi] = client.kalshi_balances()
        coinswitch = client.coinswitch_balance(1001)
    assert str(kalshi.balance) == "1234567890123456789012345678901234.567891"
    assert str(coinswitch.balance) == FORTY
    assert coinswitch.assets[0].wallet_balance == Decimal("-" + FORTY)
    tally("hostile responses tried", 2)

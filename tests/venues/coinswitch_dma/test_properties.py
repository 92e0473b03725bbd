"""Property-based: generated CoinSwitch DMA bodies, valid and hostile, through the client
end to end: exactly what an independent oracle computes, or a typed MalformedResponseError."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import adapter
from tests.fake_venues import FakeVenues
from tests.properties import (
    ABSENT,
    BUDGET,
    is_int,
    is_numeral,
    maybe,
    mostly,
    present,
    respond,
    valid_numerals,
)
from tests.reliability import tally

coin_rows = st.lists(
    st.fixed_dictionaries(
        {
            "coin": maybe(st.sampled_from(["USDT", "USDC", "BTC", "ETH", "SOL", "XRP"])),
            "equity": maybe(valid_numerals),
            "walletBalance": maybe(st.one_of(st.none(), valid_numerals)),
            "unrealisedPnlINR": maybe(st.one_of(st.none(), valid_numerals)),
        }
    ).map(present),
    max_size=3,
)
coinswitch_data = st.fixed_dictionaries(
    {
        "subaccount_id": maybe(st.sampled_from([1001, 1001, 1001, 1002])),
        "usdt_inr_rate": maybe(st.one_of(st.none(), valid_numerals)),
        "is_active": maybe(st.one_of(st.none(), st.booleans())),
        "balance_detail": mostly(
            st.fixed_dictionaries(
                {"totalEquity": maybe(valid_numerals, odds=6), "coin": maybe(coin_rows)}
            ).map(present)
        ),
    }
).map(present)
coinswitch_bodies = mostly(
    st.fixed_dictionaries({"message": st.just("success"), "data": coinswitch_data})
)


def optional_numeral(value: Any) -> bool:
    return value is ABSENT or value is None or is_numeral(value)


def coinswitch_oracle(body: Any) -> tuple[Decimal, Any, Any, list[tuple[str, Decimal]]] | None:
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return None
    data = body["data"]
    detail = data.get("balance_detail")
    if not (isinstance(detail, dict) and is_int(data.get("subaccount_id"))):
        return None
    if data["subaccount_id"] != 1001 or not is_numeral(detail.get("totalEquity")):
        return None
    rate, active = data.get("usdt_inr_rate", ABSENT), data.get("is_active", ABSENT)
    if not optional_numeral(rate) or not (active in (ABSENT, None) or type(active) is bool):
        return None
    coins = detail.get("coin", [])
    if not isinstance(coins, list):
        return None
    assets = []
    for row in coins:
        if not isinstance(row, dict):
            return None
        if not (type(row.get("coin")) is str and row["coin"] and is_numeral(row.get("equity"))):
            return None
        if not optional_numeral(row.get("walletBalance", ABSENT)):
            return None
        if not optional_numeral(row.get("unrealisedPnlINR", ABSENT)):
            return None
        if row["coin"] in [asset for asset, _ in assets]:
            return None
        assets.append((row["coin"], Decimal(row["equity"])))
    return (
        Decimal(detail["totalEquity"]),
        None if rate in (ABSENT, None) else Decimal(rate),
        None if active is ABSENT else active,
        assets,
    )


@BUDGET
@given(body=coinswitch_bodies)
def test_coinswitch_outcome_is_exact_or_a_typed_error(
    make_client: Any, venues: FakeVenues, body: Any
) -> None:
    venues.coinswitch[1001] = respond(body)
    expected = coinswitch_oracle(body)
    with make_client(max_retries=0) as client:
        try:
            balance = client.coinswitch_balance(1001)
        except adapter.MalformedResponseError as error:
            assert expected is None, f"refused a valid body: {error}"
            assert error.venue == "coinswitch_dma" and error.subaccount == 1001 and error.field
            tally("property examples: typed error")
            return
    assert expected is not None, f"accepted an invalid body: {body!r}"
    total, rate, active, assets = expected
    assert (balance.balance, balance.inr_rate, balance.active) == (total, rate, active)
    assert balance.balance.as_tuple() == total.as_tuple()
    assert [(a.asset, a.equity) for a in balance.assets] == assets
    assert (balance.subaccount, balance.currency, balance.primary) == (1001, "USDT", False)
    tally("property examples: exact balances")

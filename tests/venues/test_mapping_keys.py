"""The mappings read bodies key by key (fast); the models generated from the specs say
which keys there are. These tests hold the two together, so a regenerated spec that adds,
drops or renames a field the mappings read fails here rather than in production."""

from __future__ import annotations

from typing import Any

import attrs
from venue_balances_coinswitch_dma.models import BalanceDetail, CoinBalance
from venue_balances_kalshi.models import SubaccountBalance as KalshiRow

from adapter.venues.coinswitch_dma import mapping as coinswitch
from adapter.venues.kalshi import mapping as kalshi


def json_keys(model: type[Any]) -> tuple[list[str], list[str]]:
    """(required, all) JSON keys of a generated model, in the spec's order."""
    fields = [f for f in attrs.fields(model) if f.name != "additional_properties"]
    required = [f.name for f in fields if f.default is attrs.NOTHING]
    instance = model(**{f.name: f"value-{f.name}" for f in fields})
    by_value = {value: key for key, value in instance.to_dict().items()}
    return [by_value[f"value-{name}"] for name in required], [
        by_value[f"value-{f.name}"] for f in fields
    ]


def test_kalshi_bulk_rows_are_read_by_the_keys_the_spec_requires() -> None:
    required, every = json_keys(KalshiRow)
    assert tuple(required) == kalshi.ROW_KEYS
    assert every == required, "a new optional field: decide whether the mapping reads it"


def test_coinswitch_coin_rows_are_read_by_the_keys_the_spec_names() -> None:
    required, every = json_keys(CoinBalance)
    assert required == ["coin", "equity"]
    assert every == ["coin", "equity", *sorted(coinswitch._OPTIONAL, key=every.index)]
    assert set(every) == {"coin", "equity", *coinswitch._OPTIONAL}
    detail = BalanceDetail(total_equity="1", total_equity_inr="2", coin=[])
    assert set(detail.to_dict()) == {"totalEquity", "totalEquityINR", "coin"}
    assert [f.name for f in attrs.fields(BalanceDetail) if f.default is attrs.NOTHING] == [
        "total_equity"
    ]

"""The mappings' fast paths: slot-storing constructors and the batched numeral check,
held to what they stand in for (the attrs constructors, `NUMERAL` per text), and the
first-failure-in-order rule of the Kalshi bulk rows."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter import AssetBalance, ShardBalance, SubaccountBalance, Venue
from adapter.domain import build_asset, build_balance, build_shard
from adapter.fields import NUMERAL, load_json, numerals

BUILDERS = [
    (ShardBalance, build_shard),
    (AssetBalance, build_asset),
    (SubaccountBalance, build_balance),
]


@pytest.mark.parametrize(("cls", "build"), BUILDERS, ids=lambda x: getattr(x, "__name__", ""))
def test_builders_take_every_field_in_order_and_the_class_checks_nothing(
    cls: type[Any], build: Any
) -> None:
    """A field added to the class, or a validator, converter or factory given to one,
    must be seen here: the builder would silently skip it."""
    fields = attrs.fields(cls)
    parameters = [p for p in inspect.signature(build).parameters if not p.startswith("_")]
    assert parameters == [f.name for f in fields]
    for field in fields:
        assert field.validator is None and field.converter is None, field.name
        assert not isinstance(field.default, attrs.Factory), field.name  # type: ignore[arg-type]
    assert cls.__setattr__ is not object.__setattr__  # still frozen
    assert "__dict__" not in dir(cls)  # slotted: every field is a slot the builder fills


amounts = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4))


@settings(max_examples=50, derandomize=True, database=None, deadline=None)
@given(
    index=st.integers(0, 2**63 - 1),
    money=st.lists(amounts, min_size=8, max_size=8),
    subaccount=st.one_of(st.none(), st.integers(0, 2**63 - 1)),
    active=st.one_of(st.none(), st.booleans()),
)
def test_built_objects_equal_the_attrs_constructed_ones(
    index: int, money: list[Decimal | None], subaccount: int | None, active: bool | None
) -> None:
    equity = money[0] if money[0] is not None else Decimal("0")
    shard = build_shard(index, equity)
    assert shard == ShardBalance(exchange_index=index, balance=equity)
    asset = build_asset("BTC", equity, *money[1:6])
    names = ["wallet_balance", "unrealised_pnl", "equity_inr", "wallet_balance_inr"]
    expected_asset = AssetBalance(
        asset="BTC",
        equity=equity,
        **dict(zip([*names, "unrealised_pnl_inr"], money[1:6], strict=True)),
    )
    assert asset == expected_asset and repr(asset) == repr(expected_asset)
    when = datetime.fromtimestamp(1763751540, UTC)
    built = build_balance(
        Venue.KALSHI, subaccount, True, "USD", equity, money[6], (shard,), when, active,
        money[7], (asset,),
    )  # fmt: skip
    expected = SubaccountBalance(
        venue=Venue.KALSHI,
        subaccount=subaccount,
        primary=True,
        currency="USD",
        balance=equity,
        portfolio_value=money[6],
        shards=(shard,),
        updated_at=when,
        active=active,
        inr_rate=money[7],
        assets=(asset,),
    )
    assert built == expected and hash(built) == hash(expected) and repr(built) == repr(expected)
    assert attrs.asdict(built) == attrs.asdict(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.balance = Decimal(1)  # type: ignore[misc]


texts = st.lists(
    st.text(alphabet="0123456789-.\n e+_x", max_size=8) | st.from_regex(NUMERAL, fullmatch=True),
    min_size=1,
    max_size=6,
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(texts)
def test_numerals_at_once_agree_with_one_match_each(values: list[str]) -> None:
    assert numerals(values) == all(NUMERAL.fullmatch(v) is not None for v in values)


@pytest.mark.parametrize(
    "values",
    [["1\n2"], ["1", "2\n3"], ["1\n", "2"], ["1", "\n2"], ["1", ""], ["", "1"], ["1\n\n2"]],
)
def test_a_line_break_inside_a_text_is_not_taken_for_two_numerals(values: list[str]) -> None:
    assert not numerals(values)


def test_a_body_opening_with_a_byte_order_mark_is_refused_as_json_loads_words_it() -> None:
    with pytest.raises(ValueError, match="Unexpected UTF-8 BOM") as caught:
        load_json(b'\xef\xbb\xbf{"a": 1}')
    assert isinstance(caught.value, json.JSONDecodeError)
    with pytest.raises(json.JSONDecodeError) as plain:
        json.loads('\ufeff{"a": 1}')
    assert str(caught.value) == str(plain.value)

"""The domain types (`adapter.domain`): the mappings' slot-storing builders, held to the
attrs constructors they stand in for."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter import AssetBalance, ShardBalance, SubaccountBalance, Venue
from adapter.domain import FetchError, build_asset, build_balance, build_failure, build_shard

BUILDERS = [
    (ShardBalance, build_shard),
    (AssetBalance, build_asset),
    (SubaccountBalance, build_balance),
    (FetchError, build_failure),
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
        # The one factory: an account's name defaulting to its venue's, for the attrs
        # constructor alone (a builder is given every field).
        if field.name != "account":
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
        Venue.KALSHI, "us-fund", subaccount, True, "USD", equity, money[6], (shard,), when,
        active, money[7], (asset,),
    )  # fmt: skip
    expected = SubaccountBalance(
        venue=Venue.KALSHI,
        account="us-fund",
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


def test_an_account_defaults_to_its_venues_name() -> None:
    row = SubaccountBalance(
        venue=Venue.COINSWITCH_DMA, subaccount=None, primary=True, currency="USDT",
        balance=Decimal(1),
    )  # fmt: skip
    assert row.account == "coinswitch_dma"
    assert attrs.evolve(row, account="in-master").account == "in-master"


def test_unfetched_takes_a_venue_or_an_account() -> None:
    from adapter import BalanceReport, FetchError, NotFoundError

    def row(account: str, number: int) -> SubaccountBalance:
        return SubaccountBalance(
            venue=Venue.KALSHI, account=account, subaccount=number, primary=False,
            currency="USD", balance=Decimal(1),
        )  # fmt: skip

    def error(account: str, number: int) -> FetchError:
        return FetchError(
            venue=Venue.KALSHI, account=account, subaccount=number, error=NotFoundError("x")
        )

    # us-desk's subaccount 3 failed; us-fund's 3 was fetched: the one does not hide the other.
    report = BalanceReport(
        balances=[row("us-desk", 1), row("us-fund", 3)], errors=[error("us-desk", 3)]
    )
    assert [e.account for e in report.unfetched("us-desk")] == ["us-desk"]
    assert report.unfetched("us-fund") == []
    assert [e.account for e in report.unfetched("kalshi")] == ["us-desk"]


def test_a_big_reports_repr_stays_small() -> None:
    from adapter import BalanceReport

    rows = [
        SubaccountBalance(
            venue=Venue.KALSHI, subaccount=n, primary=False, currency="USD", balance=Decimal(n)
        )
        for n in range(10_000)
    ]
    text = repr(BalanceReport(balances=rows, errors=[]))
    assert len(text) < 5_000 and "9,990 more" in text
    small = BalanceReport(balances=rows[:2], errors=[])
    assert repr(small).startswith("BalanceReport(balances=[SubaccountBalance(")


def test_a_built_failure_equals_the_constructed_one() -> None:
    from adapter import NotFoundError

    error = NotFoundError("gone", account="in", subaccount=7)
    built = build_failure(Venue.COINSWITCH_DMA, "in", 7, error)
    made = FetchError(venue=Venue.COINSWITCH_DMA, account="in", subaccount=7, error=error)
    assert built == made and hash(built) == hash(made) and repr(built) == repr(made)

"""CoinSwitch DMA answers as domain types: one child's balance, the master's, the
subaccount list, and the consolidated answer (master + every child).

A balance is `balance_detail.totalEquity`: the account's total equity in USDT (wallets
plus unrealised PnL, every coin valued in USDT); each `coin[]` row is an asset. Bodies are
read key by key, every scalar checked (`adapter.fields`), in the shapes
`specs/coinswitch-dma.yaml` gives; the generated models are the oracle the tests hold
this reading to (tests/test_coinswitch_v2.py), and reading directly costs a fraction of
building them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from venue_balances_coinswitch_dma.models import ErrorResponse

from adapter.domain import AssetBalance, Subaccount, SubaccountBalance, Venue
from adapter.fields import (
    INT64_MAX,
    MISSING,
    NUMERAL,
    FieldProblem,
    amount,
    first_text,
    flag,
    integer,
    object_list,
    optional_amount,
    required_object,
    text,
)

__all__ = [
    "balance_from_json",
    "consolidated_from_json",
    "error_message",
    "master_balance_from_json",
    "subaccounts_from_json",
]

VENUE = Venue.COINSWITCH_DMA
CURRENCY = "USDT"


def balance_from_json(payload: Any, subaccount_id: int) -> SubaccountBalance:
    """The balance of child `subaccount_id` from a 200 body of GET .../subaccount/balance."""
    data = _data(payload)
    number = _child_id(data.get("subaccount_id", MISSING), "data.subaccount_id")
    if number != subaccount_id:
        raise FieldProblem(
            "data.subaccount_id", f"is {number}, but subaccount {subaccount_id} was asked for"
        )
    active = flag(data.get("is_active"), "data.is_active")
    return _balance(data, "data", subaccount=number, active=active)


def master_balance_from_json(payload: Any) -> SubaccountBalance:
    """The master account's own balance from a 200 body of GET .../master/balance."""
    data = _data(payload)
    if data.get("subaccount_id") is not None:
        raise FieldProblem(
            "data.subaccount_id", "is not null: this is not the master account's balance"
        )
    return _balance(data, "data", subaccount=None, active=None)


def subaccounts_from_json(payload: Any) -> list[Subaccount]:
    """The master's subaccount list (GET .../master/subaccounts), the master's own row
    first, then children by ascending id. `is_master`/`is_active` may be left out."""
    rows = object_list(_data(payload).get("subaccounts", MISSING), "data.subaccounts")
    found: dict[int, Subaccount] = {}
    master: Subaccount | None = None
    for index, row in enumerate(rows):
        where = f"data.subaccounts[{index}]"
        number = _child_id(row.get("subaccount_id", MISSING), f"{where}.subaccount_id")
        is_master = flag(row.get("is_master"), f"{where}.is_master") is True
        entry = Subaccount(
            venue=VENUE,
            subaccount=number,
            primary=is_master,
            active=flag(row.get("is_active"), f"{where}.is_active"),
        )
        if number in found:
            raise FieldProblem(where, f"repeats subaccount {number}: cannot tell which is right")
        if is_master and master is not None:
            raise FieldProblem(where, "is a second master row: cannot tell which is right")
        found[number] = entry
        master = entry if is_master else master
    children = sorted((e for e in found.values() if e is not master), key=_number)
    return ([master] if master is not None else []) + children


def consolidated_from_json(payload: Any) -> list[SubaccountBalance]:
    """Master + every child from one 200 body of GET .../master/balance/consolidated: the
    master first (`subaccount` None), then children by ascending id. The master row is
    the one with `is_master: true`, whatever its id; flags may be null or left out."""
    rows = object_list(_data(payload).get("balances", MISSING), "data.balances")
    master: SubaccountBalance | None = None
    children: dict[int, SubaccountBalance] = {}
    for index, row in enumerate(rows):
        where = f"data.balances[{index}]"
        if flag(row.get("is_master"), f"{where}.is_master") is True:
            if master is not None:
                raise FieldProblem(where, "is a second master row: cannot tell which is right")
            master = _balance(row, where, subaccount=None, active=None)
            continue
        number = _child_id(row.get("subaccount_id", MISSING), f"{where}.subaccount_id")
        if number in children:
            raise FieldProblem(where, f"repeats subaccount {number}: cannot tell which is right")
        active = flag(row.get("is_active"), f"{where}.is_active")
        children[number] = _balance(row, where, subaccount=number, active=active)
    if master is None:
        raise FieldProblem("data.balances", "has no master row (is_master: true)")
    return [master, *(children[number] for number in sorted(children))]


def error_message(payload: Any) -> str | None:
    """The `message` of an error body (or `error`: the 429 body is undocumented)."""
    if not isinstance(payload, dict):
        return None
    error = ErrorResponse.from_dict(payload)
    return first_text(error.message, error.additional_properties.get("error"))


def _data(payload: Any) -> dict[str, Any]:
    return required_object(required_object(payload, "body").get("data", MISSING), "data")


def _child_id(value: object, field: str) -> int:
    return integer(value, field, minimum=0, maximum=INT64_MAX)  # the spec's int64


def _number(entry: Subaccount) -> int:
    return entry.subaccount


def _balance(
    data: dict[str, Any], where: str, *, subaccount: int | None, active: bool | None
) -> SubaccountBalance:
    """One account's balance from its `data` (or consolidated row).

    The hot path of reading a whole master (hundreds of rows, each with its coins): values
    are checked inline, and the first one that fails is handed to the precise readers
    (`_explain`), which name the field and say what is wrong.
    """
    detail = data.get("balance_detail")
    total = detail.get("totalEquity") if type(detail) is dict else None
    rate = data.get("usdt_inr_rate")
    coins = detail.get("coin", ()) if type(detail) is dict else None
    try:
        if (
            NUMERAL.fullmatch(total) is None  # type: ignore[arg-type]
            or (rate is not None and NUMERAL.fullmatch(rate) is None)
            or type(coins) not in (list, tuple)
        ):
            _explain(data, where)
        assets = tuple(_assets(coins))  # type: ignore[arg-type]
    except (TypeError, AttributeError, _Refused):  # a number where a string belongs, ...
        _explain(data, where)
        raise  # unreachable: _explain raises
    return SubaccountBalance(
        venue=VENUE,
        subaccount=subaccount,
        primary=subaccount is None,
        currency=CURRENCY,
        balance=Decimal(total),  # type: ignore[arg-type]
        active=active,
        inr_rate=None if rate is None else Decimal(rate),
        assets=assets,
    )


class _Refused(Exception):
    """A value the fast path will not take: `_explain` says what is wrong with it."""


_OPTIONAL = ("walletBalance", "unrealisedPnl", "equityINR", "walletBalanceINR", "unrealisedPnlINR")


def _assets(coins: list[Any]) -> list[AssetBalance]:
    assets: list[AssetBalance] = []
    seen: set[str] = set()
    numeral = NUMERAL.fullmatch
    for row in coins:
        get = row.get  # AttributeError: not an object (the caller explains)
        asset, equity = get("coin"), get("equity")
        wallet, pnl = get("walletBalance"), get("unrealisedPnl")
        equity_inr, wallet_inr, pnl_inr = (
            get("equityINR"),
            get("walletBalanceINR"),
            get("unrealisedPnlINR"),
        )
        if (
            type(asset) is not str
            or not asset
            or asset in seen
            or numeral(equity) is None
            or (wallet is not None and numeral(wallet) is None)
            or (pnl is not None and numeral(pnl) is None)
            or (equity_inr is not None and numeral(equity_inr) is None)
            or (wallet_inr is not None and numeral(wallet_inr) is None)
            or (pnl_inr is not None and numeral(pnl_inr) is None)
        ):
            raise _Refused
        seen.add(asset)
        assets.append(
            AssetBalance(
                asset=asset,
                equity=Decimal(equity),
                wallet_balance=None if wallet is None else Decimal(wallet),
                unrealised_pnl=None if pnl is None else Decimal(pnl),
                equity_inr=None if equity_inr is None else Decimal(equity_inr),
                wallet_balance_inr=None if wallet_inr is None else Decimal(wallet_inr),
                unrealised_pnl_inr=None if pnl_inr is None else Decimal(pnl_inr),
            )
        )
    return assets


def _explain(data: dict[str, Any], where: str) -> None:
    """Raise the FieldProblem that says what is wrong with an account the fast path
    refused, as the field readers word it."""
    detail = required_object(data.get("balance_detail", MISSING), f"{where}.balance_detail")
    amount(detail.get("totalEquity", MISSING), f"{where}.balance_detail.totalEquity")
    optional_amount(data.get("usdt_inr_rate"), f"{where}.usdt_inr_rate")
    seen: set[str] = set()
    rows = object_list(detail.get("coin", []), f"{where}.balance_detail.coin")
    for index, row in enumerate(rows):
        at = f"{where}.balance_detail.coin[{index}]"
        asset = text(row.get("coin", MISSING), f"{at}.coin")
        if asset in seen:
            raise FieldProblem(at, f"repeats coin {asset!r}: cannot tell which row is right")
        seen.add(asset)
        amount(row.get("equity", MISSING), f"{at}.equity")
        for key in _OPTIONAL:
            optional_amount(row.get(key), f"{at}.{key}")
    raise AssertionError(f"{where} was refused, but every field reads")  # pragma: no cover

"""CoinSwitch DMA answers as domain types: one child's balance, the master's, the
subaccount list, and the consolidated answer (master + every child).

A balance is `balance_detail.totalEquity`: the account's total equity in USDT (wallets
plus unrealised PnL, every coin valued in USDT); each `coin[]` row is an asset. Bodies are
read key by key, every scalar checked (`adapter.fields`), in the shapes
`specs/coinswitch-dma.yaml` gives; the generated models are the oracle the tests hold
this reading to (tests/venues/coinswitch_dma/test_master.py), and reading directly costs
a fraction of building them.

Its length (about 280 lines) is four answers' readers, the fast path of an account's
balance and coins, and the precise readers that explain what the fast path refuses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from venue_balances_coinswitch_dma.models import ErrorResponse

from adapter.domain import (
    AssetBalance,
    Subaccount,
    SubaccountBalance,
    Venue,
    build_asset,
    build_balance,
)
from adapter.fields import (
    INT64_MAX,
    MISSING,
    FieldProblem,
    amount,
    first_text,
    flag,
    integer,
    numerals,
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


def balance_from_json(
    payload: Any, subaccount_id: int, *, account: str = VENUE
) -> SubaccountBalance:
    """The balance of child `subaccount_id` from a 200 body of GET .../subaccount/balance."""
    data = _data(payload)
    number = _child_id(data.get("subaccount_id", MISSING), "data.subaccount_id")
    if number != subaccount_id:
        raise FieldProblem(
            "data.subaccount_id", f"is {number}, but subaccount {subaccount_id} was asked for"
        )
    active = flag(data.get("is_active"), "data.is_active")
    return _balance(data, None, account=account, subaccount=number, active=active)


def master_balance_from_json(payload: Any, *, account: str = VENUE) -> SubaccountBalance:
    """The master account's own balance from a 200 body of GET .../master/balance."""
    data = _data(payload)
    if data.get("subaccount_id") is not None:
        raise FieldProblem(
            "data.subaccount_id", "is not null: this is not the master account's balance"
        )
    return _balance(data, None, account=account, subaccount=None, active=None)


def subaccounts_from_json(payload: Any, *, account: str = VENUE) -> list[Subaccount]:
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
            account=account,
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


def consolidated_from_json(payload: Any, *, account: str = VENUE) -> list[SubaccountBalance]:
    """Master + every child from one 200 body of GET .../master/balance/consolidated: the
    master first (`subaccount` None), then children by ascending id. The master row is
    the one with `is_master: true`, whatever its id; flags may be null or left out."""
    rows = object_list(_data(payload).get("balances", MISSING), "data.balances")
    master: SubaccountBalance | None = None
    children: dict[int, SubaccountBalance] = {}
    for index, row in enumerate(rows):
        is_master = row.get("is_master")
        if is_master is True:
            if master is not None:
                raise FieldProblem(
                    _row(index), "is a second master row: cannot tell which is right"
                )
            master = _balance(row, index, account=account, subaccount=None, active=None)
            continue
        number = row.get("subaccount_id", MISSING)
        active = row.get("is_active")
        if (
            (is_master is not None and is_master is not False)
            or type(number) is not int
            or not 0 <= number <= INT64_MAX
        ):  # read again by the precise readers, which raise
            flag(is_master, f"{_row(index)}.is_master")
            _child_id(number, f"{_row(index)}.subaccount_id")
        if number in children:
            raise FieldProblem(
                _row(index), f"repeats subaccount {number}: cannot tell which is right"
            )
        if active is not None and type(active) is not bool:
            flag(active, f"{_row(index)}.is_active")  # raises
        children[number] = _balance(row, index, account=account, subaccount=number, active=active)
    if master is None:
        raise FieldProblem("data.balances", "has no master row (is_master: true)")
    return [master, *(children[number] for number in sorted(children))]


def _row(index: int | None) -> str:
    """Where an account's fields are: `data` of a one-account answer, or its row of a
    consolidated one (formatted only for a message: a whole master has hundreds)."""
    return "data" if index is None else f"data.balances[{index}]"


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
    data: dict[str, Any],
    index: int | None,
    *,
    account: str,
    subaccount: int | None,
    active: bool | None,
) -> SubaccountBalance:
    """One account's balance from its `data` (index None) or consolidated row `index`.

    The hot path of reading a whole master (hundreds of rows, each with its coins): values
    are checked inline, and the first one that fails is handed to the precise readers
    (`_explain`), which name the field and say what is wrong.
    """
    detail = data.get("balance_detail")
    rate = data.get("usdt_inr_rate")
    try:
        if type(detail) is not dict:
            raise _Refused
        total = detail.get("totalEquity")
        coins = detail.get("coin", ())
        if type(coins) not in (list, tuple):
            raise _Refused
        texts: list[Any] = [total] if rate is None else [total, rate]
        rows = _coin_rows(coins, texts)
        if not numerals(texts):  # TypeError: a value that is not a string
            raise _Refused
    except (TypeError, AttributeError, _Refused):  # a number where a string belongs, ...
        _explain(data, _row(index))
        raise  # unreachable: _explain raises
    return build_balance(
        VENUE,
        account,
        subaccount,
        subaccount is None,
        CURRENCY,
        Decimal(total),  # type: ignore[arg-type]  # a numeral: checked above
        None,
        (),
        None,
        active,
        None if rate is None else Decimal(rate),
        tuple([_asset(*row) for row in rows]),
    )


class _Refused(Exception):
    """A value the fast path will not take: `_explain` says what is wrong with it."""


_OPTIONAL = ("walletBalance", "unrealisedPnl", "equityINR", "walletBalanceINR", "unrealisedPnlINR")


def _coin_rows(coins: list[Any], texts: list[str]) -> list[tuple[Any, ...]]:
    """Each coin row's asset and amounts (equity, then `_OPTIONAL`'s, None where absent),
    its amounts added to `texts` for the caller to check at once; refuses a row that is not
    an object, an asset that is not a non-empty string, and an asset given twice."""
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    add = texts.append
    for row in coins:
        get = row.get  # AttributeError: not an object (the caller explains)
        asset, equity = get("coin"), get("equity")
        wallet, pnl = get("walletBalance"), get("unrealisedPnl")
        equity_inr, wallet_inr, pnl_inr = (
            get("equityINR"),
            get("walletBalanceINR"),
            get("unrealisedPnlINR"),
        )
        if type(asset) is not str or not asset or asset in seen:
            raise _Refused
        seen.add(asset)
        add(equity)
        for value in (wallet, pnl, equity_inr, wallet_inr, pnl_inr):
            if value is not None:
                add(value)
        rows.append((asset, equity, wallet, pnl, equity_inr, wallet_inr, pnl_inr))
    return rows


def _asset(
    asset: str,
    equity: str,
    wallet: str | None,
    pnl: str | None,
    equity_inr: str | None,
    wallet_inr: str | None,
    pnl_inr: str | None,
) -> AssetBalance:
    """A coin row of `_coin_rows`, its numerals checked, as an `AssetBalance`."""
    return build_asset(
        asset,
        Decimal(equity),
        None if wallet is None else Decimal(wallet),
        None if pnl is None else Decimal(pnl),
        None if equity_inr is None else Decimal(equity_inr),
        None if wallet_inr is None else Decimal(wallet_inr),
        None if pnl_inr is None else Decimal(pnl_inr),
    )


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

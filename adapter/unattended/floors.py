"""Balance floors (`--min SELECTOR=AMOUNT`): which balances are below the minimum they must hold.

    from adapter.unattended.floors import breach_line, check_floors, parse_floors

    floors = parse_floors(args.min or [])     # ValueError naming the bad floor: exit 2
    check = check_floors(floors, report)
    for breach in check.breaches:             # one line each on stderr; exit 3
        print(breach_line(breach), file=sys.stderr)
    for floor in check.unchecked:             # nothing fetched to compare with
        print(f"warning: floor {floor.selector} selects no fetched balance", file=sys.stderr)

SELECTOR is `VENUE` (each balance of the venue, its master account's included), `VENUE:ID`
(one subaccount), `VENUE:master` (the master account, subaccount `None`) or `VENUE:total`
(the sum of the venue's balances, per currency). AMOUNT is a plain decimal numeral (`1000`, `0.5`,
`-20`), read exactly; `1e5`, `NaN`, `+1` or `1,000` are refused. A selector may be given once.

A balance strictly below its floor breaks it (exact `Decimal` comparison: equal is fine).
Every venue reports one currency, so a floor compares with each balance as it is.

A floor that selects no fetched balance (the subaccount failed, is not in the report, or the
venue has no master account) is `unchecked`, never silently passed.
`VENUE:total` when some of the venue's balances could not be fetched: the total of what was
fetched is still compared, and a breach is marked `incomplete` (the missing subaccounts might
make up the difference, or not: it is reported rather than guessed away). A partial total at
or above its floor is no breach, since balances are not negative in practice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import attrs

from adapter.domain import (
    MASTER,
    BalanceReport,
    SubaccountBalance,
    Venue,
    parse_subaccount,
    subaccount_label,
)
from adapter.fields import FieldProblem, amount, exact_sum

__all__ = [
    "Breach",
    "Floor",
    "FloorCheck",
    "breach_line",
    "check_floors",
    "parse_floor",
    "parse_floors",
]

TOTAL = "total"
_EXAMPLE = "VENUE, VENUE:ID, VENUE:master or VENUE:total, then =AMOUNT"


@attrs.frozen(kw_only=True)
class Floor:
    """A minimum some balances must hold."""

    selector: str
    """Canonical text of the selector (`VENUE`, `VENUE:3`, `VENUE:master`, `VENUE:total`)."""
    venue: Venue
    scope: Literal["each", "one", "total"]
    subaccount: int | None = None
    """The one subaccount (`None`: the master) when `scope` is `"one"`."""
    amount: Decimal

    def selects(self, balance: SubaccountBalance) -> bool:
        """Whether the floor applies to this balance on its own (not for a total)."""
        if balance.venue != self.venue or self.scope == "total":
            return False
        return self.scope == "each" or balance.subaccount == self.subaccount


@attrs.frozen(kw_only=True)
class Breach:
    """A balance, or a venue's total, below its floor."""

    selector: str
    venue: Venue
    subaccount: int | None
    """The subaccount below its floor (`None`: the master); `None` for a total."""
    total: bool
    currency: str
    balance: Decimal
    floor: Decimal
    incomplete: bool = False
    """A total that misses balances which could not be fetched."""


@attrs.frozen(kw_only=True)
class FloorCheck:
    """The floors a report breaks, and those it had nothing to compare with."""

    breaches: list[Breach]
    unchecked: list[Floor]


def parse_floors(texts: Iterable[str]) -> list[Floor]:
    """Each `SELECTOR=AMOUNT`; ValueError naming the first bad one or a repeated selector."""
    floors: list[Floor] = []
    given: dict[str, str] = {}
    for text in texts:
        floor = parse_floor(text)
        if floor.selector in given:
            raise ValueError(
                f"floor {text!r}: selector {floor.selector} already has a floor"
                f" ({given[floor.selector]!r}); give each selector once"
            )
        given[floor.selector] = text
        floors.append(floor)
    return floors


def parse_floor(text: str) -> Floor:
    """One `SELECTOR=AMOUNT`; ValueError naming it and what is wrong."""
    selector, equals, amount_text = text.partition("=")
    if not equals:
        raise ValueError(f"floor {text!r} is not SELECTOR=AMOUNT ({_EXAMPLE})")
    venue_text, colon, which = selector.partition(":")
    try:
        venue = Venue(venue_text)
    except ValueError:
        venues = " or ".join(str(v) for v in Venue)
        raise ValueError(
            f"floor {text!r}: selector {selector!r} names no venue ({venues})"
        ) from None
    try:
        floor_amount = amount(amount_text, "AMOUNT")
    except FieldProblem:
        raise ValueError(
            f"floor {text!r}: {amount_text!r} is not a plain decimal amount"
            " (digits, an optional '-' and '.': 1000, 0.5)"
        ) from None

    if not colon:
        return Floor(selector=str(venue), venue=venue, scope="each", amount=floor_amount)
    if which == TOTAL:
        return Floor(selector=f"{venue}:{TOTAL}", venue=venue, scope="total", amount=floor_amount)
    try:
        subaccount = parse_subaccount(which)
    except ValueError:
        raise ValueError(
            f"floor {text!r}: selector {selector!r} needs a subaccount id,"
            f" {MASTER!r} or {TOTAL!r} after the colon"
        ) from None
    return Floor(
        selector=f"{venue}:{subaccount_label(subaccount)}",
        venue=venue,
        scope="one",
        subaccount=subaccount,
        amount=floor_amount,
    )


def check_floors(floors: Sequence[Floor], report: BalanceReport) -> FloorCheck:
    """The breaches of `floors` in `report`, in the order of the floors, then of the balances."""
    breaches: list[Breach] = []
    unchecked: list[Floor] = []
    for floor in floors:
        if floor.scope == "total":
            found = _total_breaches(floor, report)
        else:
            selected = [balance for balance in report.balances if floor.selects(balance)]
            found = (
                None
                if not selected
                else [
                    Breach(
                        selector=floor.selector,
                        venue=floor.venue,
                        subaccount=balance.subaccount,
                        total=False,
                        currency=balance.currency,
                        balance=balance.balance,
                        floor=floor.amount,
                    )
                    for balance in selected
                    if balance.balance < floor.amount
                ]
            )
        if found is None:
            unchecked.append(floor)
        else:
            breaches += found
    return FloorCheck(breaches=breaches, unchecked=unchecked)


def _total_breaches(floor: Floor, report: BalanceReport) -> list[Breach] | None:
    """The venue's total per currency below the floor; None when nothing was fetched."""
    by_currency: dict[str, list[Decimal]] = {}
    for balance in report.balances:
        if balance.venue == floor.venue:
            by_currency.setdefault(balance.currency, []).append(balance.balance)
    if not by_currency:
        return None
    incomplete = bool(report.unfetched(floor.venue))
    totals = {currency: exact_sum(amounts) for currency, amounts in by_currency.items()}
    return [
        Breach(
            selector=floor.selector,
            venue=floor.venue,
            subaccount=None,
            total=True,
            currency=currency,
            balance=total,
            floor=floor.amount,
            incomplete=incomplete,
        )
        for currency, total in totals.items()
        if total < floor.amount
    ]


def breach_line(breach: Breach) -> str:
    """One line for stderr: what is below which floor, by how much."""
    what = "total" if breach.total else f"subaccount {subaccount_label(breach.subaccount)}"
    line = (
        f"below minimum: {breach.venue} {what} holds {format(breach.balance, 'f')}"
        f" {breach.currency}, floor {format(breach.floor, 'f')} ({breach.selector})"
    )
    if breach.incomplete:
        line += "; incomplete: some of its balances could not be fetched"
    return line

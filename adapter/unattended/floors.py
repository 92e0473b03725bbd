"""Balance floors (`--min SELECTOR=AMOUNT`): which balances are below the minimum they must hold.

    from adapter.unattended.floors import breach_line, check_floors, parse_floors

    floors = parse_floors(args.min or [])     # ValueError naming the bad floor: exit 2
    check = check_floors(floors, report)
    for breach in check.breaches:             # one line each on stderr; exit 3
        print(breach_line(breach), file=sys.stderr)
    for floor in check.unchecked:             # nothing fetched to compare with
        print(f"warning: floor {floor.selector} selects no fetched balance", file=sys.stderr)

SELECTOR is `NAME` (each balance it covers, masters included), `NAME:ID` (one subaccount),
`NAME:master` (the master account, subaccount `None`) or `NAME:total` (the sum of what it
covers, per currency), where NAME is a venue (`kalshi`, `coinswitch_dma`: every account of
the venue) or one account's name (only that account). A venue's name always means the
venue: an account may bear it only while it is its venue's only account. AMOUNT is a plain
decimal numeral (`1000`, `0.5`, `-20`), read exactly; `1e5`, `NaN`, `+1` or `1,000` are
refused. A selector may be given once. Whether an account NAME exists is the caller's to
check against its configuration (`names`), before anything is fetched.

A balance strictly below its floor breaks it (exact `Decimal` comparison: equal is fine).
Every venue reports one currency, so a floor compares with each balance as it is.

A floor that selects no fetched balance (the subaccount failed, is not in the report, or the
venue has no master account) is `unchecked`, never silently passed. `NAME:ID` also selects
a master whose numeric id (as the subaccount list gives it, not the balances) is ID, when
`check_floors` is told the masters' ids.
`NAME:total` when some of its balances could not be fetched: the total of what was
fetched is still compared, and a breach is marked `incomplete` (the missing subaccounts might
make up the difference, or not: it is reported rather than guessed away). A partial total at
or above its floor is no breach, since balances are not negative in practice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
_EXAMPLE = "NAME, NAME:ID, NAME:master or NAME:total (NAME: a venue or an account), then =AMOUNT"
_VENUES = {str(venue): venue for venue in Venue}


@attrs.frozen(kw_only=True)
class Floor:
    """A minimum some balances must hold."""

    selector: str
    """Canonical text of the selector (`kalshi`, `us-desk:3`, `in:master`, `kalshi:total`)."""
    name: str
    """The venue or account the selector names."""
    venue: Venue | None
    """The venue, when the selector names one (every account of it); None for an account."""
    scope: Literal["each", "one", "total"]
    subaccount: int | None = None
    """The one subaccount (`None`: the master) when `scope` is `"one"`."""
    amount: Decimal

    @property
    def account(self) -> str | None:
        """The account, when the selector names one; None for a venue."""
        return None if self.venue is not None else self.name

    def covers(self, balance: SubaccountBalance) -> bool:
        """Whether the balance is the venue's or the account's the selector names."""
        if self.venue is not None:
            return balance.venue == self.venue
        return balance.account == self.name

    def selects(self, balance: SubaccountBalance, masters: Mapping[str, int] = {}) -> bool:
        """Whether the floor applies to this balance on its own (not for a total); a master
        also by its numeric id (`masters`: account -> id), as the subaccount list says it."""
        if not self.covers(balance) or self.scope == "total":
            return False
        if self.scope == "each" or balance.subaccount == self.subaccount:
            return True
        return balance.subaccount is None and masters.get(balance.account) == self.subaccount


@attrs.frozen(kw_only=True)
class Breach:
    """A balance, or a total, below its floor."""

    selector: str
    venue: Venue
    account: str | None
    """The account of the balance below its floor; None for a venue's total."""
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
                f"floor {_quoted(text)}: selector {floor.selector} already has a floor"
                f" ({_quoted(given[floor.selector])}); give each selector once"
            )
        given[floor.selector] = text
        floors.append(floor)
    return floors


def _quoted(text: str) -> str:
    """A user's text in a message: at most ~80 characters of it (an argument can be huge)."""
    return repr(text) if len(text) <= 80 else f"{text[:77]!r}... ({len(text):,} characters)"


def parse_floor(text: str) -> Floor:
    """One `SELECTOR=AMOUNT`; ValueError naming it and what is wrong."""
    selector, equals, amount_text = text.partition("=")
    shown = _quoted(text)
    if not equals:
        raise ValueError(f"floor {shown} is not SELECTOR=AMOUNT ({_EXAMPLE})")
    name, colon, which = selector.partition(":")
    from adapter.venues import ACCOUNT_NAME

    if not ACCOUNT_NAME.fullmatch(name):
        venues = " or ".join(_VENUES)
        raise ValueError(
            f"floor {shown}: selector {_quoted(selector)} names no venue ({venues}) and no"
            " account (1-64 of A-Z a-z 0-9 _ . -)"
        )
    venue = _VENUES.get(name)
    try:
        floor_amount = amount(amount_text, "AMOUNT")
    except FieldProblem:
        raise ValueError(
            f"floor {shown}: {_quoted(amount_text)} is not a plain decimal amount"
            " (digits, an optional '-' and '.': 1000, 0.5)"
        ) from None
    if not colon:
        return Floor(selector=name, name=name, venue=venue, scope="each", amount=floor_amount)
    if which == TOTAL:
        return Floor(
            selector=f"{name}:{TOTAL}", name=name, venue=venue, scope="total", amount=floor_amount
        )
    try:
        subaccount = parse_subaccount(which)
    except ValueError:
        raise ValueError(
            f"floor {shown}: selector {_quoted(selector)} needs a subaccount id,"
            f" {MASTER!r} or {TOTAL!r} after the colon"
        ) from None
    return Floor(
        selector=f"{name}:{subaccount_label(subaccount)}",
        name=name,
        venue=venue,
        scope="one",
        subaccount=subaccount,
        amount=floor_amount,
    )


def check_floors(
    floors: Sequence[Floor], report: BalanceReport, *, masters: Mapping[str, int] = {}
) -> FloorCheck:
    """The breaches of `floors` in `report`, in the order of the floors, then of the
    balances; `masters` (account -> the master's numeric id) lets `NAME:ID` select a
    master by its id."""
    breaches: list[Breach] = []
    unchecked: list[Floor] = []
    for floor in floors:
        if floor.scope == "total":
            found = _total_breaches(floor, report)
        else:
            selected = [b for b in report.balances if floor.selects(b, masters)]
            found = (
                None
                if not selected
                else [
                    Breach(
                        selector=floor.selector,
                        venue=balance.venue,
                        account=balance.account,
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
    """The total per currency of what the floor covers, below it; None when nothing was
    fetched."""
    by_currency: dict[str, list[SubaccountBalance]] = {}
    for balance in report.balances:
        if floor.covers(balance):
            by_currency.setdefault(balance.currency, []).append(balance)
    if not by_currency:
        return None
    incomplete = bool(report.unfetched(floor.name))
    breaches = []
    for currency, balances in by_currency.items():
        total = exact_sum(b.balance for b in balances)
        if total < floor.amount:
            breaches.append(
                Breach(
                    selector=floor.selector,
                    venue=balances[0].venue,
                    account=floor.account,
                    subaccount=None,
                    total=True,
                    currency=currency,
                    balance=total,
                    floor=floor.amount,
                    incomplete=incomplete,
                )
            )
    return breaches


def breach_line(breach: Breach) -> str:
    """One line for stderr: what is below which floor, by how much."""
    what = "total" if breach.total else f"subaccount {subaccount_label(breach.subaccount)}"
    who = str(breach.venue)
    if breach.account is not None and breach.account != breach.venue:
        who = f"{breach.account} ({breach.venue})"
    line = (
        f"below minimum: {who} {what} holds {format(breach.balance, 'f')}"
        f" {breach.currency}, floor {format(breach.floor, 'f')} ({breach.selector})"
    )
    if breach.incomplete:
        line += "; incomplete: some of its balances could not be fetched"
    return line

"""The table of a report: balances, the SHARDS a total could hide, TOTALS and ASSETS.

As soon as one account is not named after its venue, every section gains an ACCOUNT
column and TOTALS has a row per account and one per venue over its accounts (`(all)`);
with accounts named after their venues (from environment variables) it is the table of
before accounts, line for line. A total that misses a failed subaccount or account says
so in its NOTE.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain import BalanceReport, SubaccountBalance
from adapter.fields import exact_sum
from adapter.render.cells import aligned, grid, label, numeral, table_text, timestamp

__all__ = ["EVERY_ACCOUNT", "as_table"]

EVERY_ACCOUNT = "(all)"
"""The ACCOUNT cell of a venue's total over its accounts (no account's name has parentheses)."""


def as_table(report: BalanceReport, *, simulated: bool = False) -> str:
    balances = report.balances
    if not balances and not report.errors:
        return "No balances fetched.\n"

    named = _accounts_shown(report)

    def who(b: SubaccountBalance) -> list[str]:
        return [b.account] if named else []

    account = ["ACCOUNT"] * named
    show = table_text
    positions = any(b.portfolio_value is not None for b in balances)
    columns = [aligned([numeral(b.balance) or "" for b in balances])]
    if positions:
        columns.append(aligned([numeral(b.portfolio_value) or "-" for b in balances]))
    rows = [
        [
            *who(b),
            str(b.venue),
            label(b.subaccount, b.primary),
            b.currency,
            *(column[i] for column in columns),
            show(b.active),
            (timestamp(b.updated_at) or "-").replace("T", " ").removesuffix("Z"),
            show(numeral(b.inr_rate)),
        ]
        for i, b in enumerate(balances)
    ]
    header = [*account, "VENUE", "SUBACCOUNT", "CURRENCY", "BALANCE"]
    header += ["PORTFOLIO VALUE"] * positions + ["ACTIVE", "UPDATED (UTC)", "INR RATE"]
    first = 3 + named
    lines = grid(header, rows, right=set(range(first, first + len(columns)))) if balances else []
    lines += _shards(balances, named)
    lines += _totals(report, named)
    assets = [(b, a) for b in balances for a in b.assets]
    if assets:
        amounts = [
            aligned([numeral(a.equity) or "" for _, a in assets]),
            aligned([numeral(a.wallet_balance) or "-" for _, a in assets]),
            aligned([numeral(a.unrealised_pnl) or "-" for _, a in assets]),
        ]
        asset_rows = [
            [
                *who(b),
                str(b.venue),
                label(b.subaccount, False),
                a.asset,
                *(column[i] for column in amounts),
            ]
            for i, (b, a) in enumerate(assets)
        ]
        header = [*account, "VENUE", "SUBACCOUNT", "ASSET", "EQUITY", "WALLET", "UNREALISED PNL"]
        lines += ["", "ASSETS", *grid(header, asset_rows, right={3 + named, 4 + named, 5 + named})]
    return "\n".join(lines).lstrip("\n") + "\n"


def _accounts_shown(report: BalanceReport) -> bool:
    """Whether the table names accounts: as soon as one is not named after its venue."""
    return any(b.account != b.venue for b in report.balances) or any(
        e.account != e.venue for e in report.errors
    )


def _shards(balances: Sequence[SubaccountBalance], named: bool) -> list[str]:
    """Cash per shard of each subaccount held on more than one, a shard with none marked
    while another holds some: the aggregate must not hide one shard's shortfall."""
    split = [b for b in balances if len(b.shards) > 1]
    if not split:
        return []
    cells = [(b, shard) for b in split for shard in b.shards]
    amounts = aligned([numeral(shard.balance) or "" for _, shard in cells])
    rows = []
    for (b, shard), amount in zip(cells, amounts, strict=True):
        short = shard.balance <= 0 and any(other.balance > 0 for other in b.shards)
        note = "no cash on this shard" if short else ""
        where = label(b.subaccount, b.primary)
        account = [b.account] if named else []
        rows.append([*account, str(b.venue), where, str(shard.exchange_index), amount, note])
    header = [*["ACCOUNT"] * named, "VENUE", "SUBACCOUNT", "SHARD", "CASH", "NOTE"]
    return ["", "SHARDS", *grid(header, rows, right={2 + named, 3 + named})]


def _totals(report: BalanceReport, named: bool) -> list[str]:
    """Per venue (and, when accounts are shown, per account, then per venue over its
    accounts) and currency: how many subaccounts, their cash, and (when positions were
    read) what their positions are worth; a NOTE on any that misses a failure."""
    groups: dict[tuple[str, str, str], list[SubaccountBalance]] = {}
    for b in report.balances:
        groups.setdefault((b.account, str(b.venue), b.currency), []).append(b)
        if named:
            groups.setdefault((EVERY_ACCOUNT, str(b.venue), b.currency), []).append(b)
    venues = list(dict.fromkeys(venue for _, venue, _ in groups))  # as the report lists them
    order = sorted(groups, key=lambda key: (venues.index(key[1]), key[0] == EVERY_ACCOUNT))
    positions = any(b.portfolio_value is not None for b in report.balances)
    sums = aligned([numeral(exact_sum(b.balance for b in groups[key])) or "" for key in order])
    values = aligned([_portfolio_total(groups[key]) for key in order])
    rows = []
    noted: set[str] = set()
    for index, key in enumerate(order):
        account, venue, currency = key
        value = [values[index]] if positions else []
        scope = venue if account == EVERY_ACCOUNT or not named else account
        row = [venue, currency, str(len(groups[key])), sums[index], *value, _note(report, scope)]
        rows.append([account, *row] if named else row)
        noted.add(scope)
    failed = [(str(e.venue), e.account) for e in report.errors]
    for venue, account in dict.fromkeys(failed):  # nothing fetched: still a row, and a note
        scope = account if named else venue
        if scope in noted:
            continue
        noted.add(scope)
        value = ["-"] if positions else []
        row = [venue, "-", "0", "-", *value, _note(report, scope)]
        rows.append([account, *row] if named else row)
    header = [*["ACCOUNT"] * named, "VENUE", "CURRENCY", "SUBACCOUNTS", "TOTAL"]
    header += ["PORTFOLIO VALUE"] * positions
    right = {2 + named, 3 + named, 4 + named} if positions else {2 + named, 3 + named}
    return ["", "TOTALS", *grid([*header, "NOTE"], rows, right)]


def _note(report: BalanceReport, scope: str) -> str:
    """What the totals of a venue or an account (`scope`, its name) miss: balances that
    could not be fetched, or (their cash fetched) what positions are worth."""
    missing = len(report.unfetched(scope))
    failed = sum(1 for e in report.errors if scope in (e.venue, e.account))
    notes = [f"incomplete: {missing} could not be fetched"] if missing else []
    if failed > missing:
        notes.append(f"portfolio value incomplete: {failed - missing} could not be read")
    return "; ".join(notes)


def _portfolio_total(group: Sequence[SubaccountBalance]) -> str:
    known = [b.portfolio_value for b in group if b.portfolio_value is not None]
    return numeral(exact_sum(known)) or "-" if known else "-"

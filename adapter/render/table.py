"""The table of a report: balances, the SHARDS a total could hide, TOTALS and ASSETS.

A total that misses a failed subaccount or venue says so in its NOTE.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain import BalanceReport, SubaccountBalance
from adapter.fields import exact_sum
from adapter.render.cells import aligned, grid, label, numeral, table_text, timestamp

__all__ = ["as_table"]


def as_table(report: BalanceReport, *, simulated: bool = False) -> str:
    balances = report.balances
    if not balances and not report.errors:
        return "No balances fetched.\n"

    show = table_text
    positions = any(b.portfolio_value is not None for b in balances)
    columns = [aligned([numeral(b.balance) or "" for b in balances])]
    if positions:
        columns.append(aligned([numeral(b.portfolio_value) or "-" for b in balances]))
    rows = [
        [
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
    header = ["VENUE", "SUBACCOUNT", "CURRENCY", "BALANCE"]
    header += ["PORTFOLIO VALUE"] * positions + ["ACTIVE", "UPDATED (UTC)", "INR RATE"]
    lines = grid(header, rows, right=set(range(3, 3 + len(columns)))) if balances else []
    lines += _shards(balances)
    lines += _totals(report)
    assets = [(b, a) for b in balances for a in b.assets]
    if assets:
        amounts = [
            aligned([numeral(a.equity) or "" for _, a in assets]),
            aligned([numeral(a.wallet_balance) or "-" for _, a in assets]),
            aligned([numeral(a.unrealised_pnl) or "-" for _, a in assets]),
        ]
        asset_rows = [
            [str(b.venue), label(b.subaccount, False), a.asset, *(column[i] for column in amounts)]
            for i, (b, a) in enumerate(assets)
        ]
        header = ["VENUE", "SUBACCOUNT", "ASSET", "EQUITY", "WALLET", "UNREALISED PNL"]
        lines += ["", "ASSETS", *grid(header, asset_rows, right={3, 4, 5})]
    return "\n".join(lines).lstrip("\n") + "\n"


def _shards(balances: Sequence[SubaccountBalance]) -> list[str]:
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
        rows.append([str(b.venue), where, str(shard.exchange_index), amount, note])
    header = ["VENUE", "SUBACCOUNT", "SHARD", "CASH", "NOTE"]
    return ["", "SHARDS", *grid(header, rows, right={2, 3})]


def _totals(report: BalanceReport) -> list[str]:
    """Per venue and currency: how many subaccounts, their cash, and (when positions were
    read) what their positions are worth; a NOTE on any that misses a failure."""
    groups: dict[tuple[str, str], list[SubaccountBalance]] = {}
    for b in report.balances:
        groups.setdefault((str(b.venue), b.currency), []).append(b)
    positions = any(b.portfolio_value is not None for b in report.balances)
    sums = aligned(
        [numeral(exact_sum(b.balance for b in group)) or "" for group in groups.values()]
    )
    values = aligned([_portfolio_total(group) for group in groups.values()])
    rows = []
    noted: set[str] = set()
    for index, ((venue, currency), group) in enumerate(groups.items()):
        value = [values[index]] if positions else []
        rows.append([venue, currency, str(len(group)), sums[index], *value, _note(report, venue)])
        noted.add(venue)
    for venue in dict.fromkeys(str(e.venue) for e in report.errors if str(e.venue) not in noted):
        value = ["-"] if positions else []
        rows.append([venue, "-", "0", "-", *value, _note(report, venue)])  # nothing fetched
    header = ["VENUE", "CURRENCY", "SUBACCOUNTS", "TOTAL", *["PORTFOLIO VALUE"] * positions]
    right = {2, 3, 4} if positions else {2, 3}
    return ["", "TOTALS", *grid([*header, "NOTE"], rows, right)]


def _note(report: BalanceReport, venue: str) -> str:
    """What a venue's totals miss: balances that could not be fetched, or (their cash
    fetched) what positions are worth."""
    missing = len(report.unfetched(venue))
    failed = sum(1 for e in report.errors if e.venue == venue)
    notes = [f"incomplete: {missing} could not be fetched"] if missing else []
    if failed > missing:
        notes.append(f"portfolio value incomplete: {failed - missing} could not be read")
    return "; ".join(notes)


def _portfolio_total(group: Sequence[SubaccountBalance]) -> str:
    known = [b.portfolio_value for b in group if b.portfolio_value is not None]
    return numeral(exact_sum(known)) or "-" if known else "-"

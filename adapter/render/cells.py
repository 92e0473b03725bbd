"""Cells of the text outputs: amounts and times as printed, table and CSV cells made
printable, aligned columns, and one failure's stderr line.

Every text cell of a table or CSV, and every stderr line, goes through `printable`: a
venue's text (a coin symbol, an error message) could otherwise move the cursor, forge a
row or reorder a line on the reader's terminal. JSON escapes such characters by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from adapter.domain import FetchError, subaccount_label
from adapter.fields import printable

__all__ = [
    "WIDEST_AMOUNT",
    "aligned",
    "csv_cell",
    "failure_line",
    "grid",
    "label",
    "numeral",
    "shown_amount",
    "table_text",
    "timestamp",
]

WIDEST_AMOUNT = 40
"""Characters of the widest amount a table shows whole (`shown_amount`)."""


def numeral(value: Decimal | None) -> str | None:
    """An amount as the venue wrote it: fixed-point, never exponent notation."""
    return None if value is None else format(value, "f")


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a Z."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object, *, null: str, true: str, false: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        return true if value else false
    return str(value)


def csv_cell(value: object) -> str:
    """A CSV field: booleans `true`/`false`, null an empty field; made printable."""
    return printable(_text(value, null="", true="true", false="false"))


def table_text(value: object) -> str:
    """A table cell: booleans `yes`/`no`, null `-`."""
    return _text(value, null="-", true="yes", false="no")


def failure_line(failure: FetchError) -> str:
    """One line for stderr: what could not be fetched, and why."""
    return printable(f"error: {failure.error}")


def shown_amount(text: str) -> str:
    """An amount as a table cell: whole up to `WIDEST_AMOUNT` characters, else its first
    digits and its length (`12345678901234567890…(1,000,000 digits)`), so that no table's
    width, nor its memory, grows with one absurd amount."""
    if len(text) <= WIDEST_AMOUNT:
        return text
    digits = sum(1 for character in text if character.isdigit())
    return f"{text[:20]}…({digits:,} digits)"


def aligned(amounts: Sequence[str]) -> list[str]:
    """Amounts padded so that their decimal points line up (each cut to `shown_amount`)."""
    parts = [shown_amount(amount).partition(".") for amount in amounts]
    whole = max((len(p[0]) for p in parts), default=0)
    fraction = max((len(p[1] + p[2]) for p in parts), default=0)
    return [(p[0].rjust(whole) + p[1] + p[2]).ljust(whole + fraction) for p in parts]


def grid(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned lines of a table; every cell made printable."""
    table = [[printable(cell) for cell in row] for row in [header, *rows]]
    if header[-1] == "NOTE" and not any(row[-1] for row in table[1:]):
        table = [row[:-1] for row in table]  # no notes: no NOTE column
        header = header[:-1]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def label(subaccount: int | None, primary: bool) -> str:
    """A subaccount as the table shows it: `master` for a master account's own row."""
    if subaccount is not None and primary:
        return f"{subaccount} (primary)"
    return subaccount_label(subaccount)

"""The CLI's output formats of a `BalanceReport`: table, JSON and CSV.

    cells.py    amounts, times and text as cells; aligned columns; a failure's line
    machine.py  JSON (with totals per account and per venue) and CSV
    table.py    the table, with its SHARDS, TOTALS and ASSETS sections

`FORMATS[name](report, simulated=...)` gives each. The history's formats
(`adapter.unattended.history.render`) reuse these cells and objects.
"""

from adapter.render.cells import (
    WIDEST_AMOUNT,
    aligned,
    csv_cell,
    failure_line,
    grid,
    label,
    numeral,
    shown_amount,
    table_text,
    timestamp,
)
from adapter.render.machine import (
    CSV_HEADER,
    Total,
    as_csv,
    as_json,
    balance_json,
    error_json,
    totals,
)
from adapter.render.table import EVERY_ACCOUNT, as_table

__all__ = [
    "CSV_HEADER",
    "EVERY_ACCOUNT",
    "FORMATS",
    "WIDEST_AMOUNT",
    "Total",
    "aligned",
    "as_csv",
    "as_json",
    "as_table",
    "balance_json",
    "csv_cell",
    "error_json",
    "failure_line",
    "grid",
    "label",
    "numeral",
    "shown_amount",
    "table_text",
    "timestamp",
    "totals",
]

FORMATS = {"table": as_table, "json": as_json, "csv": as_csv}
"""Each output format of a report: `FORMATS[name](report, simulated=...)`."""

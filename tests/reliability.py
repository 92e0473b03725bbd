"""What the reliability tests share: the figures they tally for the run's summary, the
characters that must never reach a terminal from a venue, and a venue message full of them."""

from __future__ import annotations

import re

# What must never reach a terminal from a venue: C0 controls (a line end of our own
# aside), DEL, C1, the Unicode bidi controls, and the Unicode line/paragraph separators.
UNPRINTABLE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

# A venue's error message of terminal escapes, and the text it must be shown as.
EVIL_MESSAGE = "\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \u202etxt.exe\x9b"
SHOWN_MESSAGE = "\\x1b]0;pwned\\x07 \\x1b[31mred\\x1b[0m \\u202etxt.exe\\x9b"

# Figures for the README's Reliability section, printed at the end of a test run.
TALLY: dict[str, int] = {}


def tally(what: str, count: int = 1) -> None:
    """Count something a test tried and survived (printed in the terminal summary)."""
    TALLY[what] = TALLY.get(what, 0) + count

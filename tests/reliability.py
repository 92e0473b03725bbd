"""What the reliability tests share: the figures they tally for the run's summary, the
characters that must never reach a terminal from a venue, and a venue message full of them."""

from __future__ import annotations

import unicodedata


class _Unprintable:
    """What must never reach a surface from a venue, as the contract lists it by Unicode
    category: controls (Cc: C0, DEL, C1; a line end of our own aside), format characters
    (Cf: bidi controls, zero-width characters, U+FEFF, the soft hyphen), lone surrogates
    (Cs), line and paragraph separators (Zl, Zp). An oracle of its own, not
    `fields.printable`: a regex's methods, on those characters."""

    CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

    def _bad(self, character: str) -> bool:
        return character != "\n" and unicodedata.category(character) in self.CATEGORIES

    def search(self, text: str) -> str | None:
        return next((c for c in text if self._bad(c)), None)

    def findall(self, text: str) -> list[str]:
        return [c for c in text if self._bad(c)]

    def fullmatch(self, text: str) -> bool:
        return len(text) == 1 and self._bad(text)


UNPRINTABLE = _Unprintable()

# A venue's error message of terminal escapes, and the text it must be shown as.
EVIL_MESSAGE = "\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \u202etxt.exe\x9b"
SHOWN_MESSAGE = "\\x1b]0;pwned\\x07 \\x1b[31mred\\x1b[0m \\u202etxt.exe\\x9b"

# Figures for the README's Reliability section, printed at the end of a test run.
TALLY: dict[str, int] = {}


def tally(what: str, count: int = 1) -> None:
    """Count something a test tried and survived (printed in the terminal summary)."""
    TALLY[what] = TALLY.get(what, 0) + count

"""Strict readers for the scalars of a venue response.

The generated `from_dict` methods check no types (a JSON number lands where a string amount
belongs), so every scalar the adapter uses passes through one of these. A reader returns the
value in its domain type or raises `FieldProblem` naming the field; the venue modules turn
that into a `MalformedResponseError` that also names the venue, endpoint and subaccount.

Its length (about 290 lines) is one reader per JSON scalar kind plus strict JSON, many
numerals at once, exact sums and printable text: every check a venue's body passes
through, in one place.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
)
from typing import Any, TypeVar

__all__ = [
    "EXACT",
    "INT64_MAX",
    "MAX_UNIX_SECONDS",
    "MISSING",
    "NUMERAL",
    "FieldProblem",
    "amount",
    "exact_sum",
    "first_text",
    "flag",
    "integer",
    "load_json",
    "numerals",
    "object_list",
    "optional_amount",
    "parse_model",
    "printable",
    "required_object",
    "text",
    "unix_seconds",
]

NUMERAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
"""A plain decimal numeral: optional minus, ASCII digits, optional fraction. Nothing else:
no exponent, sign "+", spaces, separators, NaN or Infinity."""
INT64_MAX = 2**63 - 1
"""The largest integer the specs' int64 (and SQLite) hold."""
MAX_UNIX_SECONDS = 253402300799
"""The last second of the year 9999, the latest a `datetime` holds."""


_NUMERAL_LINES = re.compile(rf"{NUMERAL.pattern}(?:\n{NUMERAL.pattern})*")

# What is shown as an escape rather than as itself (Unicode general categories): controls
# (Cc: C0, DEL, C1; ESC starts a sequence that moves the cursor or sets the title, CR and LF
# forge rows, U+009B is a one-character ESC [), format characters (Cf: the bidi controls
# that reorder what follows such as U+202E, zero-width characters and U+FEFF, the soft
# hyphen: two different values would look alike), lone surrogates (Cs: no encoder takes
# them, so one would take a whole output down) and the line and paragraph separators
# (Zl, Zp).
_ESCAPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

Model = TypeVar("Model")

EXACT = Context(
    prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded, InvalidOperation]
)
"""Exact arithmetic on amounts: libmpdec sizes results by their digits, not by `prec`."""

MISSING: Any = object()
"""Stands for an absent key: `body.get(key, MISSING)`."""


class FieldProblem(Exception):
    """A field of a response is missing or not what the spec says."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _describe(value: object) -> str:
    if value is MISSING:
        return "nothing: the field is missing"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    return json_type(value)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # A repeated key would silently keep the last value: refuse to guess. Name the
        # first key met a second time, found in one pass: counting each key's
        # occurrences took minutes for an object of 100,000 keys.
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return result


# One decoder for every body: `json.loads` with options builds a decoder and its scanner
# on each call, half the cost of parsing a small body. Shared by threads, as json's own
# default decoder is: the scanner keeps no state between calls but a cache of key strings.
_STRICT = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys
)


def load_json(body: bytes) -> Any:
    """Parse a response body as strict JSON: no NaN/Infinity, no duplicate keys, no floats."""
    text = body.decode("utf-8")  # JSON on the wire is UTF-8 (RFC 8259); never guess another
    if text.startswith("\ufeff"):  # refused as json.loads does (the decoder alone does not)
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _STRICT.decode(text)


def amount(value: object, field: str) -> Decimal:
    """A required money amount: a JSON string holding a plain decimal numeral, digits kept."""
    if type(value) is not str or not NUMERAL.fullmatch(value):
        raise FieldProblem(field, f"expected a decimal string like '12.50', got {_describe(value)}")
    return Decimal(value)


def numerals(texts: list[str]) -> bool:
    """Whether every one of `texts` (strings, at least one) is a plain decimal numeral
    (`NUMERAL`): one match over them all, a line each, costs a third of a match apiece.
    A text holding a line break itself would add a line, so the count of lines must come
    out right as well."""
    joined = "\n".join(texts)
    return _NUMERAL_LINES.fullmatch(joined) is not None and joined.count("\n") == len(texts) - 1


def optional_amount(value: object, field: str) -> Decimal | None:
    """An optional amount: null (or absent, given as None) gives None; anything else must
    be a numeral."""
    if value is None:
        return None
    return amount(value, field)


def integer(
    value: object, field: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A JSON integer (not a boolean, not a number with a fraction); ids and indices pass
    `maximum=INT64_MAX` (amounts in cents are exact at any size)."""
    if type(value) is not int:
        raise FieldProblem(field, f"expected an integer, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise FieldProblem(field, f"expected an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        shown = str(value) if value < 10**30 else f"a number of {len(str(value))} digits"
        raise FieldProblem(field, f"expected an integer <= {maximum}, got {shown}")
    return value


def text(value: object, field: str) -> str:
    """A required non-empty JSON string."""
    if type(value) is not str or not value:
        raise FieldProblem(field, f"expected a non-empty string, got {_describe(value)}")
    return value


def flag(value: object, field: str) -> bool | None:
    """An optional JSON boolean: null (or absent, given as None) gives None."""
    if value is None:
        return None
    if type(value) is not bool:
        raise FieldProblem(field, f"expected true or false, got {_describe(value)}")
    return value


def unix_seconds(value: object, field: str) -> datetime:
    """A Unix timestamp in whole seconds, as an aware UTC datetime."""
    seconds = integer(value, field, minimum=0)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise FieldProblem(field, f"timestamp {seconds} is out of range") from exc


def required_object(value: object, field: str) -> dict[str, Any]:
    """A JSON object that must be there."""
    if not isinstance(value, dict):
        raise FieldProblem(field, f"expected an object, got {_describe(value)}")
    return value


def parse_model(
    from_dict: Callable[[dict[str, Any]], Model],
    body: dict[str, Any],
    parts: Sequence[tuple[str, Callable[[dict[str, Any]], object], dict[str, Any]]],
) -> Model:
    """`from_dict(body)` of a generated model, a missing required key named by its path.

    `parts` are the nested objects (path, their model's `from_dict`, the object) that
    `from_dict` parses on the way, deepest first: the generated code raises a bare
    `KeyError('equity')`, so on failure each part is parsed alone to find which one lacks it.
    Containers must already be checked (`required_object`, `object_list`).
    """
    try:
        return from_dict(body)
    except KeyError as exc:
        for where, part_from_dict, part in [*parts, ("", from_dict, body)]:
            try:
                part_from_dict(part)
            except KeyError as missing:
                key = str(missing.args[0])
                raise FieldProblem(f"{where}.{key}" if where else key, "is missing") from None
        raise FieldProblem(str(exc.args[0]), "is missing") from None


def first_text(*candidates: object) -> str | None:
    """The first non-blank string among candidates, on one line, printable (see
    `printable`) and at most 300 characters: a venue's message, fit for an error."""
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            line = printable(" ".join(candidate.split()))
            return line if len(line) <= 300 else line[:297] + "..."
    return None


def printable(text: str) -> str:
    """`text` safe on any surface (a terminal, a CSV cell, a metric's label, a web page,
    UTF-8 itself): every control, format character, lone surrogate and line or paragraph
    separator (Unicode Cc, Cf, Cs, Zl, Zp) shown as an escape (`\\x1b`, `\\u202e`,
    `\\ud800`), so that no two different values look alike and every output encodes."""
    if text.isprintable():  # the common case, in C: none of those is printable
        return text
    category = unicodedata.category
    return "".join(_escape(c) if category(c) in _ESCAPED else c for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def object_list(value: object, field: str) -> list[dict[str, Any]]:
    """A JSON array of objects."""
    if not isinstance(value, list):
        raise FieldProblem(field, f"expected an array, got {_describe(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldProblem(f"{field}[{index}]", f"expected an object, got {_describe(item)}")
    return value


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of one or more amounts, however many digits they have.

    Decimal arithmetic rounds to the context's precision (28 digits by default) and
    overflows past its exponent limits (a million digits by default: a 1 MiB body can hold
    more), so the sum runs in `EXACT`, whose precision and exponent range are the widest
    there are: no sum of amounts a body can hold is rounded in it. Inexact stays trapped
    all the same, so a digit could never be dropped silently.
    """
    first, *rest = values
    total = first  # a lone amount keeps its exact digits, even "-0.00"
    for value in rest:
        total = EXACT.add(total, value)
    return total

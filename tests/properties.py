"""What the property tests share: the example budget, and strategies that spoil valid
values with junk now and then."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

BUDGET = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMERAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)

ABSENT = object()

valid_numerals = st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{1,12})?", fullmatch=True)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "1e5", "", " 1", "1,000.00", "+1", ".5", "5.", "٣"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def maybe(valid: st.SearchStrategy[Any], odds: int = 20) -> st.SearchStrategy[Any]:
    """A valid value, except one time in `odds` junk or the key left out."""
    spoiled = st.one_of(junk, st.just(ABSENT))
    return st.integers(1, odds).flatmap(lambda roll: spoiled if roll == 1 else valid)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid nine times in ten, junk otherwise."""
    return st.integers(0, 9).flatmap(lambda roll: valid if roll else junk)


def present(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not ABSENT}


def is_int(value: Any, minimum: int = 0) -> bool:
    return type(value) is int and value >= minimum


def is_numeral(value: Any) -> bool:
    return type(value) is str and NUMERAL.fullmatch(value) is not None


def respond(body: Any) -> Any:
    content = json.dumps(body).encode()
    return lambda request: httpx.Response(
        200, content=content, headers={"content-type": "application/json"}
    )

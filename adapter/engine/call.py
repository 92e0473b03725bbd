"""What the engine carries out: a `Call` (one logical request) and a `Plan` (calls in steps).

Venues build calls and plans; the engine sends them. A call knows where it goes, how to
read its 200 body and the name of the account it is made for (so that what it yields and
every error it ends with say so); the account's runtime state adds its base URL, signer
and connection pool when the call runs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, Generic, TypeAlias, TypeVar, overload

import attrs

from adapter.domain import FetchError, SubaccountBalance, Venue
from adapter.errors import AdapterError

__all__ = ["Call", "Calls", "Gathered", "Outcome", "Plan", "outcome_value"]

T = TypeVar("T")

Outcome: TypeAlias = T | AdapterError
"""What one call came to: its parsed value, or the typed error it ended with."""

Plan: TypeAlias = Generator[Sequence["Call[Any]"], list[Any], T]
"""Calls in steps: a plan yields a batch of calls, is sent back their outcomes in the same
order (`Outcome`s), and returns its result; a plan raises an `AdapterError` to fail. Plans
have no I/O of their own, so one plan serves the blocking and the async clients. A big
batch is better yielded as `Calls`, each made only when the engine takes it."""


@attrs.frozen
class Call(Generic[T]):
    """One logical request: where it goes, what it is about, and how to read its 200 body."""

    account: str
    venue: Venue
    endpoint: str
    subaccount: int | None
    request: dict[str, Any]
    """httpx request arguments (`method`, `url`, `params`) as the generated client builds them."""
    parse: Callable[[Any], T]
    """The parsed JSON of a 200 body to its value; raises `fields.FieldProblem`."""
    error_message: Callable[[Any], str | None]
    """The parsed JSON of an error body to its message, if it has one."""
    max_body: int = 1024 * 1024  # = attempt.MAX_BODY_BYTES
    """The largest 200 body read (bytes): one account's balance is a few hundred bytes;
    an answer listing a whole master's children needs more, and says so."""

    def error(self, cls: type[AdapterError], message: str, **details: Any) -> AdapterError:
        return cls(
            message,
            account=self.account,
            venue=self.venue,
            endpoint=self.endpoint,
            subaccount=self.subaccount,
            **details,
        )


@attrs.frozen
class Gathered:
    """What a plan of `all_balances` read of one venue, and what it could not."""

    balances: list[SubaccountBalance]
    errors: list[FetchError]


def outcome_value(outcome: Outcome[T]) -> T:
    """The value of an outcome, or its error raised."""
    if isinstance(outcome, AdapterError):
        raise outcome
    return outcome


K = TypeVar("K")


class Calls(Sequence[Call[T]]):
    """A batch of calls made one at a time, as the engine takes them (`make(key)` for each
    key): a whole master's 10^5 children cost one call's memory at a time, and calls a
    deadline leaves unsent are never made."""

    def __init__(self, make: Callable[[K], Call[T]], keys: Sequence[K]) -> None:
        self._make: Callable[[Any], Call[T]] = make
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Call[T]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Call[T]]: ...

    def __getitem__(self, index: int | slice) -> Call[T] | Sequence[Call[T]]:
        if isinstance(index, slice):
            return Calls(self._make, self._keys[index])
        return self._make(self._keys[index])

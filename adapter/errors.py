"""The errors of venue-balances: every failure of the public API is one of these.

    AdapterError                    account, venue, endpoint, status, message, subaccount
     ├── ConfigurationError         a bad client option or environment value (also a
     │                              ValueError); raised before any request
     ├── CredentialsError           bad or missing key material; raised before any request
     ├── BadRequestError            400, or a request that cannot be made (a bad subaccount id)
     ├── AuthenticationError        401: wrong key, bad signature, or this machine's clock is off
     ├── ForbiddenError             403: the key may not read this (another master's subaccount)
     ├── NotFoundError              404: no such subaccount
     ├── RateLimitedError           429, still after the retries
     ├── VenueUnavailableError      5xx, unknown status, timeout or connection failure, after the
     │                              retries; or the call's deadline passed first
     └── MalformedResponseError     the body is not what the spec says; .field names the field

Lower-level exceptions (httpx, json, KeyError, ...) are chained as __cause__, never raised
from the public API. Messages never contain key material.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AdapterError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "CredentialsError",
    "ForbiddenError",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimitedError",
    "VenueUnavailableError",
]


class AdapterError(Exception):
    """A venue's balance could not be read; says which venue, endpoint and what went wrong."""

    kind: ClassVar[str] = "error"
    """Short stable name of the error class, used in the CLI's JSON (`"not_found"`, ...)."""

    def __init__(
        self,
        message: str,
        *,
        account: str | None = None,
        venue: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
        subaccount: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,  # seconds
    ) -> None:
        super().__init__(message)
        self.message = message
        self.account = account
        """The name of the account whose call failed (None: before any account was chosen)."""
        self.venue = venue
        self.endpoint = endpoint
        self.status = status
        self.subaccount = subaccount
        self.retryable = retryable
        """True when trying again may succeed (429, 500/502/503/504, timeouts, lost connections)."""
        self.retry_after = retry_after
        """Seconds the venue asked us to wait (its Retry-After header), if it said."""

    def __str__(self) -> str:
        venue = self.venue
        if self.account and self.account != venue:  # an account not named after its venue
            venue = f"{self.account} ({venue})" if venue else self.account
        where = " ".join(str(part) for part in (venue, self.endpoint) if part)
        if self.subaccount is not None:
            where += f" (subaccount {self.subaccount})"
        status = f"HTTP {self.status}: " if self.status is not None else ""
        return f"{where}: {status}{self.message}" if where else f"{status}{self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, account={self.account!r},"
            f" venue={self.venue!r}, endpoint={self.endpoint!r}, status={self.status!r},"
            f" subaccount={self.subaccount!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the keyword attributes when an error crosses a process boundary.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[AdapterError], message: str, state: dict[str, object]) -> AdapterError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class ConfigurationError(AdapterError, ValueError):
    """A client option or environment value is unusable; raised before any request."""

    kind = "configuration"


class CredentialsError(AdapterError):
    """Key material is missing or unusable; raised before any request is sent."""

    kind = "credentials"


class BadRequestError(AdapterError):
    """The venue answered 400, or the request could not be formed."""

    kind = "bad_request"


class AuthenticationError(AdapterError):
    """The venue answered 401."""

    kind = "authentication"

    def __init__(self, message: str, **where: Any) -> None:
        hint = (
            " (check the API key and private key, and that this machine's clock is right:"
            " venues reject signatures stamped more than a few seconds off)"
        )
        super().__init__(message + hint, **where)


class ForbiddenError(AdapterError):
    """The venue answered 403."""

    kind = "forbidden"


class NotFoundError(AdapterError):
    """The venue answered 404."""

    kind = "not_found"


class RateLimitedError(AdapterError):
    """The venue answered 429, still after the retries."""

    kind = "rate_limited"


class VenueUnavailableError(AdapterError):
    """5xx, an unknown status, a timeout or a failed connection, still after the retries."""

    kind = "unavailable"


class MalformedResponseError(AdapterError):
    """The body is not what the venue's spec says; `field` names the offending field."""

    kind = "malformed"

    def __init__(self, message: str, *, field: str | None = None, **where: Any) -> None:
        super().__init__(message, **where)
        self.field = field

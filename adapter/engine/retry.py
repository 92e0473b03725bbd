"""When and how a failed request is tried again: bounded attempts, exponential backoff with
full jitter, the venue's Retry-After when it gives one, and never past the call's deadline.

Built on tenacity (sync and async from one policy). Every attempt goes through the signer
again, so each carries a fresh timestamp: a replayed signature would be stale.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import attrs

from adapter.engine.deadline import Deadline
from adapter.errors import AdapterError

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy"]

T = TypeVar("T")
log = logging.getLogger("adapter")

RETRY_AFTER_CAP = 60.0
"""Longest wait a Retry-After can ask for; a longer one is cut to this."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, AdapterError) and exc.retryable


@attrs.frozen
class RetryPolicy:
    """Retry settings of a client; `call`/`call_async` run one call's attempts."""

    max_retries: int = 3
    base_delay: float = 0.25
    max_delay: float = 8.0

    def call(self, deadline: Deadline, attempt: Callable[[], T]) -> T:
        """Run `attempt` until it succeeds, fails for good, or retrying would pass the deadline."""
        try:
            return attempt()
        except AdapterError as error:
            if not error.retryable or not self.max_retries:
                raise
            failed: AdapterError | None = error
        # The first attempt runs outside tenacity: it usually succeeds, and tenacity's own
        # bookkeeping would be a tenth of the adapter's time per call. Its failure is then
        # replayed as tenacity's attempt 1, so backoff and stop see exactly what happened.

        def replay_then_attempt() -> T:
            nonlocal failed
            if failed is not None:
                error, failed = failed, None
                raise error
            return attempt()

        import tenacity  # only once a retry is due: a tenth of the package's import time

        return tenacity.Retrying(**self._options(deadline))(replay_then_attempt)  # type: ignore[arg-type]

    async def call_async(self, deadline: Deadline, attempt: Callable[[], Awaitable[T]]) -> T:
        """`call` for coroutines."""
        try:
            return await attempt()
        except AdapterError as error:
            if not error.retryable or not self.max_retries:
                raise
            failed: AdapterError | None = error

        async def replay_then_attempt() -> T:
            nonlocal failed
            if failed is not None:
                error, failed = failed, None
                raise error
            return await attempt()

        import tenacity

        retrying = tenacity.AsyncRetrying(**self._options(deadline))  # type: ignore[arg-type]
        return await retrying(replay_then_attempt)

    def _options(self, deadline: Deadline) -> dict[str, object]:
        import tenacity

        jitter = tenacity.wait_random_exponential(multiplier=self.base_delay, max=self.max_delay)

        def backoff(state: tenacity.RetryCallState) -> float:  # seconds
            """The venue's Retry-After (at most RETRY_AFTER_CAP) when it gave one, else
            full-jitter exponential backoff."""
            error = _error(state)
            if error is not None and error.retry_after is not None:
                return min(error.retry_after, RETRY_AFTER_CAP)
            return float(jitter(state))

        def stop(state: tenacity.RetryCallState) -> bool:
            """Stop after the last attempt allowed, or when the next wait would end past the
            deadline."""
            last = state.attempt_number > self.max_retries
            return last or state.upcoming_sleep >= deadline.seconds_left()

        return {
            "retry": tenacity.retry_if_exception(_retryable),
            "stop": stop,
            "wait": backoff,
            "before_sleep": _log_retry,
            "retry_error_callback": _give_up,
        }


def _error(state: tenacity.RetryCallState) -> AdapterError | None:
    error = state.outcome.exception() if state.outcome else None
    return error if isinstance(error, AdapterError) else None


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = _error(state)
    log.info(
        "%s; retrying in %.3f s (attempt %d failed)",
        error,
        state.upcoming_sleep,
        state.attempt_number,
    )


def _give_up(state: tenacity.RetryCallState) -> None:
    error = _error(state)
    assert error is not None  # only AdapterErrors are retried
    if state.attempt_number > 1:
        error.message += f" (gave up after {state.attempt_number} attempts)"
        error.args = (error.message,)
    raise error

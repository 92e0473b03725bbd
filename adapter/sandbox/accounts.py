"""A simulated venue per account, for `--sandbox` with an accounts file.

Each account of the file gets a sandbox of its own on 127.0.0.1: its venue's demo
simulator with throwaway keys, whose sample balances are made its own (the first
account's as the demo's, the next twice them, ...), so that a mix-up of accounts shows.
Nothing of the file but the accounts' names, venues and chosen children is used: its
URLs, key files and variables are never contacted or read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from adapter.domain import Venue
from adapter.sandbox.sandbox import Sandbox
from adapter.venues import Account, definition

__all__ = ["Named", "SimulatedAccounts"]


@attrs.frozen
class Named:
    """What the sandbox takes of an account of the file."""

    name: str
    venue: Venue
    subaccounts: tuple[int, ...] | None = None


class SimulatedAccounts:
    """One sandbox per named account; `accounts` once started."""

    def __init__(self, named: Sequence[Named], **options: Any) -> None:
        self.named = list(named)
        self.sandboxes: list[Sandbox] = []
        for variant, account in enumerate(self.named):
            left = dict(options)
            simulator = definition(account.venue).simulator(left)
            simulator.vary(variant)
            self.sandboxes.append(Sandbox([simulator]))

    def __enter__(self) -> SimulatedAccounts:
        for sandbox in self.sandboxes:
            sandbox.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sandbox in self.sandboxes:
            sandbox.stop()

    @property
    def accounts(self) -> list[Account]:
        """Each account, signed with its sandbox's throwaway key and pointed at it."""
        accounts = []
        for account, sandbox in zip(self.named, self.sandboxes, strict=True):
            simulator = sandbox.simulator(account.venue)
            extra: dict[str, Any] = {}
            if account.subaccounts is not None:
                extra["subaccounts"] = account.subaccounts
            accounts.append(
                definition(account.venue).account_type()(  # type: ignore[call-arg]
                    account.name,
                    simulator.signer(),
                    base_url=sandbox.base_url(account.venue),
                    **extra,
                )
            )
        return accounts

    @property
    def latency(self) -> float:  # seconds
        return self.sandboxes[0].latency if self.sandboxes else 0.0

    @latency.setter
    def latency(self, seconds: float) -> None:
        for sandbox in self.sandboxes:
            sandbox.latency = seconds

    def drift(self, step: int) -> None:
        for sandbox in self.sandboxes:
            sandbox.drift(step)

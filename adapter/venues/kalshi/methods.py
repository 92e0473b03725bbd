"""Kalshi's public methods of the balance clients (sync and async twins).

Each imports the venue's plans where it runs: with them come the generated client and the
mappings, which `import adapter` need not pay for. `account=` names which Kalshi account
to read; it may be left out while only one is configured.
"""

from __future__ import annotations

from adapter.domain import SubaccountBalance, Venue
from adapter.engine.core import AsyncClient, SyncClient

__all__ = ["AsyncKalshiMethods", "KalshiMethods"]

VENUE = Venue.KALSHI


class KalshiMethods(SyncClient):
    def kalshi_balances(
        self, *, positions: bool = False, account: str | None = None
    ) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request.

        With `positions`, each one's `portfolio_value` too: one more request per
        subaccount, in ascending order. Everything is fetched first; then the first
        failure, in subaccount order, if any, is raised."""
        from adapter.venues.kalshi import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.balances(chosen.name, positions))

    def kalshi_balance(self, subaccount: int, *, account: str | None = None) -> SubaccountBalance:
        """One Kalshi subaccount's cash, shards and `portfolio_value` (0 is the primary)."""
        from adapter.venues.kalshi import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.balance(chosen.name, subaccount))


class AsyncKalshiMethods(AsyncClient):
    async def kalshi_balances(
        self, *, positions: bool = False, account: str | None = None
    ) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request.

        With `positions`, each one's `portfolio_value` too: one more request per
        subaccount, in ascending order. Everything is fetched first; then the first
        failure, in subaccount order, if any, is raised."""
        from adapter.venues.kalshi import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.balances(chosen.name, positions))

    async def kalshi_balance(
        self, subaccount: int, *, account: str | None = None
    ) -> SubaccountBalance:
        """One Kalshi subaccount's cash, shards and `portfolio_value` (0 is the primary)."""
        from adapter.venues.kalshi import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.balance(chosen.name, subaccount))

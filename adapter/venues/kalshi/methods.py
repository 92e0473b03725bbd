"""Kalshi's public methods of the balance clients (sync and async twins).

Each imports the venue's plans where it runs: with them come the generated client and the
mappings, which `import adapter` need not pay for.
"""

from __future__ import annotations

from adapter.domain import SubaccountBalance, Venue
from adapter.engine.core import AsyncClient, SyncClient

__all__ = ["AsyncKalshiMethods", "KalshiMethods"]


class KalshiMethods(SyncClient):
    def kalshi_balances(self, *, positions: bool = False) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request.

        With `positions`, each one's `portfolio_value` too: one more request per
        subaccount, in ascending order. Everything is fetched first; then the first
        failure, in subaccount order, if any, is raised."""
        from adapter.venues.kalshi import plan

        return self._run(Venue.KALSHI, plan.balances(positions))

    def kalshi_balance(self, subaccount: int) -> SubaccountBalance:
        """One Kalshi subaccount's cash, shards and `portfolio_value` (0 is the primary)."""
        from adapter.venues.kalshi import plan

        return self._run(Venue.KALSHI, plan.balance(subaccount))


class AsyncKalshiMethods(AsyncClient):
    async def kalshi_balances(self, *, positions: bool = False) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request.

        With `positions`, each one's `portfolio_value` too: one more request per
        subaccount, in ascending order. Everything is fetched first; then the first
        failure, in subaccount order, if any, is raised."""
        from adapter.venues.kalshi import plan

        return await self._run(Venue.KALSHI, plan.balances(positions))

    async def kalshi_balance(self, subaccount: int) -> SubaccountBalance:
        """One Kalshi subaccount's cash, shards and `portfolio_value` (0 is the primary)."""
        from adapter.venues.kalshi import plan

        return await self._run(Venue.KALSHI, plan.balance(subaccount))

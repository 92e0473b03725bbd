"""Kalshi's public methods of the balance clients (sync and async twins)."""

from __future__ import annotations

from adapter.client import AsyncClient, SyncClient
from adapter.domain import SubaccountBalance, Venue
from adapter.venues.kalshi import plan

__all__ = ["AsyncKalshiMethods", "KalshiMethods"]


class KalshiMethods(SyncClient):
    def kalshi_balances(self) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request."""
        return self._run(Venue.KALSHI, plan.balances())


class AsyncKalshiMethods(AsyncClient):
    async def kalshi_balances(self) -> list[SubaccountBalance]:
        """Every Kalshi subaccount's cash (the primary is subaccount 0), in one request."""
        return await self._run(Venue.KALSHI, plan.balances())

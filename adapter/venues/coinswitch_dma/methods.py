"""CoinSwitch DMA's public methods of the balance clients (sync and async twins)."""

from __future__ import annotations

from collections.abc import Iterable

from adapter.client import AsyncClient, SyncClient
from adapter.domain import SubaccountBalance, Venue
from adapter.venues.coinswitch_dma import plan

__all__ = ["AsyncCoinSwitchMethods", "CoinSwitchMethods"]

VENUE = Venue.COINSWITCH_DMA


class CoinSwitchMethods(SyncClient):
    def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance."""
        return self._run(VENUE, plan.balance(subaccount_id))

    def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        return self._run(VENUE, plan.balances(subaccount_ids))


class AsyncCoinSwitchMethods(AsyncClient):
    async def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance."""
        return await self._run(VENUE, plan.balance(subaccount_id))

    async def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        return await self._run(VENUE, plan.balances(subaccount_ids))

"""CoinSwitch DMA's public methods of the balance clients (sync and async twins).

Each imports the venue's plans where it runs: with them come the generated client and the
mappings, which `import adapter` need not pay for.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapter.domain import Subaccount, SubaccountBalance, Venue
from adapter.engine.core import AsyncClient, SyncClient

__all__ = ["AsyncCoinSwitchMethods", "CoinSwitchMethods"]

VENUE = Venue.COINSWITCH_DMA


class CoinSwitchMethods(SyncClient):
    def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance (total equity in USDT)."""
        from adapter.venues.coinswitch_dma import plan

        return self._run(VENUE, plan.balance(subaccount_id))

    def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        from adapter.venues.coinswitch_dma import plan

        return self._run(VENUE, plan.balances(subaccount_ids))

    def coinswitch_master_balance(self) -> SubaccountBalance:
        """The master account's own balance (`subaccount` None, `primary` True)."""
        from adapter.venues.coinswitch_dma import plan

        return self._run(VENUE, plan.master_balance())

    def coinswitch_subaccounts(self) -> list[Subaccount]:
        """The master's subaccount list: its own row (numeric id, primary) first, then
        every child by ascending id, inactive ones included."""
        from adapter.venues.coinswitch_dma import plan

        return self._run(VENUE, plan.subaccounts())

    def coinswitch_all_balances(self) -> list[SubaccountBalance]:
        """The master, then every child by ascending id, in one consolidated request (or,
        where that endpoint is not offered, master + list + one request per child)."""
        from adapter.venues.coinswitch_dma import plan

        return self._run(VENUE, plan.all_balances())


class AsyncCoinSwitchMethods(AsyncClient):
    async def coinswitch_balance(self, subaccount_id: int) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance (total equity in USDT)."""
        from adapter.venues.coinswitch_dma import plan

        return await self._run(VENUE, plan.balance(subaccount_id))

    async def coinswitch_balances(self, subaccount_ids: Iterable[int]) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        from adapter.venues.coinswitch_dma import plan

        return await self._run(VENUE, plan.balances(subaccount_ids))

    async def coinswitch_master_balance(self) -> SubaccountBalance:
        """The master account's own balance (`subaccount` None, `primary` True)."""
        from adapter.venues.coinswitch_dma import plan

        return await self._run(VENUE, plan.master_balance())

    async def coinswitch_subaccounts(self) -> list[Subaccount]:
        """The master's subaccount list: its own row (numeric id, primary) first, then
        every child by ascending id, inactive ones included."""
        from adapter.venues.coinswitch_dma import plan

        return await self._run(VENUE, plan.subaccounts())

    async def coinswitch_all_balances(self) -> list[SubaccountBalance]:
        """The master, then every child by ascending id, in one consolidated request (or,
        where that endpoint is not offered, master + list + one request per child)."""
        from adapter.venues.coinswitch_dma import plan

        return await self._run(VENUE, plan.all_balances())

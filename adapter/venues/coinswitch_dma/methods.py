"""CoinSwitch DMA's public methods of the balance clients (sync and async twins).

Each imports the venue's plans where it runs: with them come the generated client and the
mappings, which `import adapter` need not pay for. `account=` names which CoinSwitch DMA
account (master) to read; it may be left out while only one is configured.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapter.domain import Subaccount, SubaccountBalance, Venue
from adapter.engine.core import AsyncClient, SyncClient

__all__ = ["AsyncCoinSwitchMethods", "CoinSwitchMethods"]

VENUE = Venue.COINSWITCH_DMA


class CoinSwitchMethods(SyncClient):
    def coinswitch_balance(
        self, subaccount_id: int, *, account: str | None = None
    ) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance (total equity in USDT)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.balance(chosen.name, subaccount_id))

    def coinswitch_balances(
        self, subaccount_ids: Iterable[int], *, account: str | None = None
    ) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.balances(chosen.name, subaccount_ids))

    def coinswitch_master_balance(self, *, account: str | None = None) -> SubaccountBalance:
        """The master account's own balance (`subaccount` None, `primary` True)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.master_balance(chosen.name))

    def coinswitch_subaccounts(self, *, account: str | None = None) -> list[Subaccount]:
        """The master's subaccount list: its own row (numeric id, primary) first, then
        every child by ascending id, inactive ones included."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.subaccounts(chosen.name))

    def coinswitch_all_balances(self, *, account: str | None = None) -> list[SubaccountBalance]:
        """The master, then every child by ascending id, in one consolidated request (or,
        where that endpoint is not offered, master + list + one request per child)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return self._run(chosen, plan.all_balances(chosen.name))


class AsyncCoinSwitchMethods(AsyncClient):
    async def coinswitch_balance(
        self, subaccount_id: int, *, account: str | None = None
    ) -> SubaccountBalance:
        """One CoinSwitch DMA child subaccount's balance (total equity in USDT)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.balance(chosen.name, subaccount_id))

    async def coinswitch_balances(
        self, subaccount_ids: Iterable[int], *, account: str | None = None
    ) -> list[SubaccountBalance]:
        """One balance per id given, in that order, fetched concurrently (a repeated id is
        fetched once). Everything is fetched first; then the first failure in the order
        given, if any, is raised."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.balances(chosen.name, subaccount_ids))

    async def coinswitch_master_balance(self, *, account: str | None = None) -> SubaccountBalance:
        """The master account's own balance (`subaccount` None, `primary` True)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.master_balance(chosen.name))

    async def coinswitch_subaccounts(self, *, account: str | None = None) -> list[Subaccount]:
        """The master's subaccount list: its own row (numeric id, primary) first, then
        every child by ascending id, inactive ones included."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.subaccounts(chosen.name))

    async def coinswitch_all_balances(
        self, *, account: str | None = None
    ) -> list[SubaccountBalance]:
        """The master, then every child by ascending id, in one consolidated request (or,
        where that endpoint is not offered, master + list + one request per child)."""
        from adapter.venues.coinswitch_dma import plan

        chosen = self._account(VENUE, account)
        return await self._run(chosen, plan.all_balances(chosen.name))

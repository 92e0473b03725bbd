"""Per call: the public client against the least a client can do (the floor), sync and
async, interleaved."""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

import adapter
from benchmarks.sandboxes import (
    COINSWITCH_TARGET,
    KALSHI_PATH,
    KALSHI_ROWS,
    Keys,
    RemoteSandbox,
    coinswitch_options,
    kalshi_options,
)
from benchmarks.timing import async_batch, median_of, median_ratio, rounds_of, sync_batch

ENDPOINTS = (*(f"kalshi-{rows}" for rows in KALSHI_ROWS), "coinswitch")


SYNC_KINDS = ("adapter", "floor", "http.client", "unsigned")


ASYNC_KINDS = ("adapter", "floor", "unsigned")


class Floor:
    """The least a client can do for one endpoint: a prebuilt httpx.URL, one signature,
    json.loads of the body; the same over a keep-alive http.client connection; and the
    httpx GET unsigned. Sync and async."""

    def __init__(self, url: str, target: str, headers: Callable[[], dict[str, str]]) -> None:
        self.url = httpx.URL(url + target)
        self.target = target
        self.headers = headers
        self.client = httpx.Client()
        self.async_client = httpx.AsyncClient()
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def signed(self) -> Any:
        response = self.client.get(self.url, headers=self.headers())
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)

    def unsigned(self) -> Any:
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)

    def stdlib(self) -> Any:
        self.connection.request("GET", self.target, headers=self.headers())
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(response.status)
        return json.loads(body)

    async def async_signed(self) -> Any:
        response = await self.async_client.get(self.url, headers=self.headers())
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)

    async def async_unsigned(self) -> Any:
        response = await self.async_client.get(self.url)
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)

    async def aclose(self) -> None:
        self.client.close()
        self.connection.close()
        await self.async_client.aclose()


def per_call(
    sandboxes: dict[str, RemoteSandbox],
    keys: Keys,
    loop: asyncio.AbstractEventLoop,
    rounds: int,
    batch: int,
) -> dict[str, Any]:
    """Every endpoint's adapter call, floors and unsigned GET, sync and async, interleaved."""
    sync: dict[str, Callable[[], Any]] = {}
    async_: dict[str, Callable[[], Awaitable[Any]]] = {}
    clients: list[adapter.BalanceClient] = []
    async_clients: list[adapter.AsyncBalanceClient] = []
    floors: list[Floor] = []
    for endpoint in ENDPOINTS:
        url = sandboxes[endpoint].url
        if endpoint == "coinswitch":
            options = coinswitch_options(url, coinswitch=keys.coinswitch_signer())
            floor = Floor(url, COINSWITCH_TARGET, keys.coinswitch_headers)
            client = adapter.BalanceClient(**options)
            async_client = adapter.AsyncBalanceClient(**options)
            sync[f"{endpoint} adapter"] = functools.partial(client.coinswitch_balance, 1)
            async_[f"async {endpoint} adapter"] = functools.partial(
                async_client.coinswitch_balance, 1
            )
        else:
            options = kalshi_options(url, kalshi=keys.kalshi_signer())
            floor = Floor(url, KALSHI_PATH, keys.kalshi_headers)
            client = adapter.BalanceClient(**options)
            async_client = adapter.AsyncBalanceClient(**options)
            sync[f"{endpoint} adapter"] = client.kalshi_balances
            async_[f"async {endpoint} adapter"] = async_client.kalshi_balances
        clients.append(client)
        async_clients.append(async_client)
        floors.append(floor)
        sync[f"{endpoint} floor"] = floor.signed
        sync[f"{endpoint} http.client"] = floor.stdlib
        sync[f"{endpoint} unsigned"] = floor.unsigned
        async_[f"async {endpoint} floor"] = floor.async_signed
        async_[f"async {endpoint} unsigned"] = floor.async_unsigned
    variants = {name: sync_batch(call, batch) for name, call in sync.items()}
    variants |= {name: async_batch(loop, call, batch) for name, call in async_.items()}
    try:
        samples = rounds_of(variants, rounds, warmup=1)
    finally:
        for client in clients:
            client.close()
        for async_client in async_clients:
            loop.run_until_complete(async_client.aclose())
        for floor in floors:
            loop.run_until_complete(floor.aclose())
    ratios: dict[str, dict[str, float]] = {"wall": {}, "cpu": {}}
    for which, kind in enumerate(("wall", "cpu")):
        for endpoint in ENDPOINTS:
            for prefix in ("", "async "):
                name = f"{prefix}{endpoint}"
                ratios[kind][f"{name} adapter/floor"] = median_ratio(
                    samples, f"{name} adapter", f"{name} floor", which
                )
                ratios[kind][f"{name} floor/unsigned"] = median_ratio(
                    samples, f"{name} floor", f"{name} unsigned", which
                )
            for kind_name in ("adapter", "floor"):
                ratios[kind][f"{endpoint} {kind_name}/http.client"] = median_ratio(
                    samples, f"{endpoint} {kind_name}", f"{endpoint} http.client", which
                )
    return {
        "rounds": rounds,
        "batch": batch,
        "wall_us": {name: median_of(samples, name, 0) * 1e6 for name in samples},
        "cpu_us": {name: median_of(samples, name, 1) * 1e6 for name in samples},
        "ratios": ratios,
    }

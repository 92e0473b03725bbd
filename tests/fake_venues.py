"""A strict in-memory stand-in for both venues (`FakeVenues`), the bodies it answers with,
the fixed keys and URLs it is reached by, and signing checked or driven by hand."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator
from adapter.venues.simulation import request_from_httpx

# RFC 8032 section 7.1, TEST 1 (facts/coinswitch-dma.md section 2.4).
CS_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
CS_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
FIXED_MS = 1719905777483

KALSHI_PATH = "/trade-api/v2/portfolio/subaccounts/balances"
KALSHI_BALANCE_PATH = "/trade-api/v2/portfolio/balance"
CS_PATH = "/dma/api/v1/master/subaccount/balance"
KALSHI_URL = "https://kalshi.test/trade-api/v2"
CS_URL = "https://coinswitch.test"


def kalshi_row(number: int, balance: str, ts: int = 1763751540, **extra: Any) -> dict[str, Any]:
    """A SubaccountBalance row, on exchange_index 0 unless `exchange_index` is given (`...`
    leaves the key out, as rows of spec 3.8.0 did)."""
    row = {"subaccount_number": number, "balance": balance, "updated_ts": ts, "exchange_index": 0}
    row.update(extra)
    return {key: value for key, value in row.items() if value is not ...}


def cs_body(subaccount_id: int, total: str = "5000.00", **data: Any) -> dict[str, Any]:
    """The documented 200 body of Get Subaccount Balance, for one subaccount."""
    body: dict[str, Any] = {
        "subaccount_id": subaccount_id,
        "account_type": "UNIFIED",
        "usdt_inr_rate": "84.50",
        "balance_detail": {
            "totalEquity": total,
            "totalEquityINR": "422500.00",
            "coin": [
                {
                    "coin": "USDT",
                    "equity": total,
                    "equityINR": "422500.00",
                    "walletBalance": total,
                    "walletBalanceINR": "422500.00",
                }
            ],
        },
        "is_active": True,
    }
    body.update(data)
    return {"message": "success", "data": body}


def edited(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of body with the value at a dotted path ("data.coin.0.equity") replaced,
    or the key deleted when value is `...`."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return body


def verify_kalshi(request: httpx.Request, public_key: rsa.RSAPublicKey) -> None:
    """Check a Kalshi request's signature with the Kalshi simulator's own check."""
    stamp = int(request.headers["KALSHI-ACCESS-TIMESTAMP"])
    key_id = request.headers["KALSHI-ACCESS-KEY"]
    simulator = KalshiSimulator(key_id=key_id, public_key=public_key, clock=lambda: stamp)
    refusal = simulator.refuse(request_from_httpx(request))
    assert refusal is None, refusal.body


def verify_coinswitch(request: httpx.Request) -> None:
    """Check a CoinSwitch request's signature with the CoinSwitch simulator's own check."""
    epoch = int(request.headers["X-AUTH-EPOCH"])
    simulator = CoinSwitchSimulator(api_keys=[CS_PUBLIC], clock=lambda: epoch)
    refusal = simulator.refuse(request_from_httpx(request))
    assert refusal is None, refusal.body


class FakeVenues:
    """An httpx handler for both venues that verifies every signature (with the venues'
    simulators) and refuses any request it was not told to expect. Set `kalshi` (the bulk
    endpoint), `kalshi_balance[n]` (GetBalance of subaccount n) or `coinswitch[id]` to a
    body (JSON-able) or a responder; every request is recorded in `requests`."""

    def __init__(self, rsa_public: rsa.RSAPublicKey) -> None:
        self.rsa_public = rsa_public
        self.kalshi: Any = None
        self.kalshi_balance: dict[int, Any] = {}
        self.coinswitch: dict[int, Any] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method != "GET":
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if request.url.host == "kalshi.test" and request.url.path == KALSHI_PATH:
            verify_kalshi(request, self.rsa_public)
            answer = self.kalshi
        elif request.url.host == "kalshi.test" and request.url.path == KALSHI_BALANCE_PATH:
            verify_kalshi(request, self.rsa_public)
            answer = self.kalshi_balance.get(int(request.url.params["subaccount"]))
        elif request.url.host == "coinswitch.test" and request.url.path == CS_PATH:
            verify_coinswitch(request)
            subaccount = int(request.url.params["subaccount_id"])
            answer = self.coinswitch.get(subaccount)
        else:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if answer is None:
            raise AssertionError(f"no answer prepared for {request.url}")
        if callable(answer):
            return answer(request)
        return httpx.Response(
            200, content=json.dumps(answer), headers={"content-type": "application/json"}
        )


def signed(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """The request as `auth` sends it: its auth flow driven by hand, as httpx drives it."""
    flow = auth.auth_flow(request)
    out = next(flow)
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    return out


def json_response(
    status: int, body: Any, **headers: str
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **headers},
    )

"""Several accounts per venue in the library: each account's rows carry its name and its
own numbers, one account's failure costs no other's rows, a request never leaves signed
with another account's key, and the client refuses a set of accounts that would count
money twice or make a selector ambiguous."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import adapter
from adapter.config import load
from adapter.domain import Venue
from adapter.sandbox import Fault, Sandbox
from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator
from tests.accounts_desk import FOUR, accounts_desk

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.005}


def by_account(report: adapter.BalanceReport) -> dict[str, dict[int | None, Any]]:
    rows: dict[str, dict[int | None, Any]] = {}
    for balance in report.balances:
        rows.setdefault(balance.account, {})[balance.subaccount] = balance.balance
    return rows


def test_four_accounts_each_read_with_its_own_key_and_numbers(tmp_path: Path) -> None:
    """Two Kalshi members (one PEM encrypted, its password by variable) and two CoinSwitch
    masters (seeds by variable and by file), each sandbox accepting only its own key."""
    with accounts_desk(tmp_path) as office:
        client = adapter.BalanceClient.from_config(office.path, office.environ)
        with client:
            assert client.accounts == tuple(m.name for m in FOUR)
            report = client.all_balances()
        assert report.errors == []
        rows = by_account(report)
        for member in FOUR:
            assert rows[member.name] == office.expected(member.name), member.name
        # The numbers differ per account, so a mix-up of accounts could not pass.
        kalshi_totals = {sum(rows[m.name].values()) for m in FOUR if m.venue == Venue.KALSHI}
        assert len(kalshi_totals) == 2
        for member in FOUR:
            assert office.sandboxes[member.name].requests >= 1


def test_a_request_signed_with_another_accounts_key_is_refused(tmp_path: Path) -> None:
    """The check the test above relies on: a simulator refuses any key but its account's."""
    with accounts_desk(tmp_path) as office:
        mine = {a.name: a for a in load(office.path, office.environ).accounts}
        swapped = [
            adapter.KalshiAccount(
                "swapped", mine["us-fund"].signer, base_url=mine["us-desk"].url, rate_limit=None
            )
        ]
        client = adapter.BalanceClient(accounts=swapped, max_retries=0)
        with client, pytest.raises(adapter.AuthenticationError) as caught:
            client.kalshi_balances()
        assert caught.value.account == "swapped"


def _desk_client(office: Any, **options: Any) -> adapter.BalanceClient:
    return adapter.BalanceClient.from_config(office.path, office.environ, **options)


def test_one_accounts_failure_never_costs_anothers_rows(tmp_path: Path) -> None:
    """Down, 401, slower than the deadline, malformed: every other account's rows intact,
    each error naming its account."""
    members = [*FOUR]
    with accounts_desk(tmp_path, members) as office:
        office.sandboxes["us-desk"].stop()  # down
        office.sandboxes["us-fund"].inject(Venue.KALSHI, Fault(status=401))
        office.sandboxes["in-master"].latency = 3.0  # slower than the deadline
        office.sandboxes["in-treasury"].inject(
            Venue.COINSWITCH_DMA, Fault(body=b'{"message": "success", "data": 7}')
        )
        with _desk_client(office, timeout=1.0, max_retries=0) as client:
            started = time.monotonic()
            report = client.all_balances()
            took = time.monotonic() - started
        assert took < 2.0
        failed = {e.account: e.error for e in report.errors}
        assert set(failed) == {m.name for m in members}
        assert isinstance(failed["us-desk"], adapter.VenueUnavailableError)
        assert isinstance(failed["us-fund"], adapter.AuthenticationError)
        assert isinstance(failed["in-master"], adapter.VenueUnavailableError)
        assert isinstance(failed["in-treasury"], adapter.MalformedResponseError)
        for name, error in failed.items():
            assert error.account == name and name in str(error)


def test_a_healthy_account_keeps_its_rows_beside_failing_ones(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:
        office.sandboxes["us-fund"].inject(Venue.KALSHI, Fault(status=401))
        office.sandboxes["in-treasury"].inject(Venue.COINSWITCH_DMA, Fault(drop=True), times=9)
        with _desk_client(office, timeout=3.0, max_retries=0) as client:
            report = client.all_balances()
        rows = by_account(report)
        assert rows["us-desk"] == office.expected("us-desk")
        assert rows["in-master"] == office.expected("in-master")
        assert "us-fund" not in rows and "in-treasury" not in rows
        assert {e.account for e in report.unfetched("kalshi")} == {"us-fund"}
        assert report.unfetched("us-desk") == []
        assert [e.account for e in report.unfetched("in-treasury")] == ["in-treasury"]


def test_venue_methods_take_account_and_need_it_when_two_are_configured(
    tmp_path: Path,
) -> None:
    with accounts_desk(tmp_path) as office, _desk_client(office) as client:
        fund = client.kalshi_balances(account="us-fund")
        assert {b.account for b in fund} == {"us-fund"}
        assert {b.subaccount: b.balance for b in fund} == office.expected("us-fund")
        with pytest.raises(adapter.ConfigurationError, match="us-desk, us-fund"):
            client.kalshi_balances()
        with pytest.raises(adapter.ConfigurationError, match="in-master, in-treasury"):
            client.coinswitch_master_balance()
        with pytest.raises(adapter.ConfigurationError, match="configured accounts are"):
            client.kalshi_balance(0, account="nobody")
        with pytest.raises(adapter.ConfigurationError, match="coinswitch_dma account"):
            client.kalshi_balances(account="in-master")
        only = client.all_balances(accounts=["in-treasury"])
        assert {b.account for b in only.balances} == {"in-treasury"}
        with pytest.raises(adapter.ConfigurationError, match="no account is named"):
            client.all_balances(accounts=["us-desk", "typo"])
        with pytest.raises(adapter.ConfigurationError, match="account name"):
            client.all_balances(coinswitch_subaccounts=[1001])
        named = client.all_balances(coinswitch_subaccounts={"in-master": [1002]})
        assert [(b.account, b.subaccount) for b in named.balances if b.account == "in-master"] == [
            ("in-master", 1002)
        ]


def test_the_async_client_reads_every_account_too(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office:

        async def main() -> adapter.BalanceReport:
            client = adapter.AsyncBalanceClient.from_config(office.path, office.environ)
            async with client:
                return await client.all_balances()

        report = asyncio.run(main())
        rows = by_account(report)
        for member in FOUR:
            assert rows[member.name] == office.expected(member.name)


def _kalshi(name: str, key_id: str = "k", url: str | None = None) -> adapter.KalshiAccount:
    simulator = KalshiSimulator.demo()
    signer = adapter.KalshiSigner(key_id, simulator._demo_key())
    return adapter.KalshiAccount(name, signer, base_url=url)


def _coinswitch(name: str, signer: Any = None) -> adapter.CoinSwitchAccount:
    return adapter.CoinSwitchAccount(name, signer or CoinSwitchSimulator.demo().signer())


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (lambda: [_kalshi("a", "k1"), _kalshi("a", "k2")], "two accounts are named 'a'"),
        (lambda: [_kalshi("a", "same"), _kalshi("b", "same")], "same credentials"),
        (
            lambda: [_kalshi("kalshi", "k1"), _kalshi("b", "k2")],
            "named after its venue, which has other accounts",
        ),
        (lambda: [_coinswitch("kalshi")], "can only name that venue's account"),
        (lambda: [_kalshi("a", url="ftp://x")], "base_url must be an http"),
    ],
    ids=["same name", "same login", "venue name shared", "other venue's name", "bad url"],
)
def test_a_set_of_accounts_that_would_mislead_is_refused(accounts: Any, message: str) -> None:
    with pytest.raises(adapter.ConfigurationError, match=message):
        adapter.BalanceClient(accounts=accounts())


def test_the_same_key_at_two_urls_is_two_logins() -> None:
    both = [_kalshi("live", "k", "https://a.test/v2"), _kalshi("demo", "k", "https://b.test/v2")]
    with adapter.BalanceClient(accounts=both) as client:
        assert client.accounts == ("live", "demo")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _kalshi("bad name!"), "1-64 characters"),
        (lambda: _kalshi("x" * 65), "1-64 characters"),
        (lambda: adapter.KalshiAccount("a", CoinSwitchSimulator.demo().signer()), "KalshiSigner"),
        (lambda: adapter.CoinSwitchAccount("a", _coinswitch("b").signer, subaccounts=["1"]), "ids"),
        (lambda: adapter.KalshiAccount("a", _kalshi("b").signer, rate_limit=0), "rate_limit"),
    ],
    ids=["characters", "length", "signer", "subaccounts", "rate"],
)
def test_an_account_checks_itself(make: Any, message: str) -> None:
    with pytest.raises(adapter.ConfigurationError, match=message):
        make()


def test_kalshi_and_coinswitch_keywords_make_accounts_named_after_their_venues(
    demo: Sandbox,
) -> None:
    with demo.client() as client:
        assert client.accounts == ("kalshi", "coinswitch_dma")
        report = client.all_balances()
    assert {b.account for b in report.balances} == {"kalshi", "coinswitch_dma"}
    with pytest.raises(adapter.ConfigurationError, match="not both"):
        adapter.BalanceClient(**demo.client_options(), accounts=[_kalshi("x")])


def test_an_accounts_secret_never_shows_in_reprs_or_errors(tmp_path: Path) -> None:
    with accounts_desk(tmp_path) as office, _desk_client(office) as client:
        accounts = load(office.path, office.environ).accounts
        shown = repr(client) + "".join(repr(a) for a in accounts)
        for value in office.environ.values():
            assert value not in shown
        for member in FOUR:
            text = (
                (tmp_path / f"{member.name}.secret").read_text() if member.secret == "file" else ""
            )
            assert not text or text.strip() not in shown


def test_one_accounts_big_fan_out_does_not_starve_another(tmp_path: Path) -> None:
    """max_in_flight is shared round robin: while one master is read one child at a time,
    another account's single request still gets a slot at once."""
    big = CoinSwitchSimulator.demo(400)
    small = KalshiSimulator.demo()
    with Sandbox([big]) as slow, Sandbox([small]) as quick:
        slow.latency = 0.05
        accounts = [
            adapter.CoinSwitchAccount(
                "big", big.signer(), base_url=slow.base_url(Venue.COINSWITCH_DMA), rate_limit=None
            ),
            adapter.KalshiAccount(
                "small", small.signer(), base_url=quick.base_url(Venue.KALSHI), rate_limit=None
            ),
        ]
        with adapter.BalanceClient(accounts=accounts, max_in_flight=4, timeout=20) as client:
            ids = list(range(1001, 1401))
            reading = threading.Thread(
                target=client.all_balances,
                kwargs={"accounts": ["big"], "coinswitch_subaccounts": {"big": ids}},
            )
            reading.start()
            time.sleep(0.3)  # the big fan-out holds every slot it can
            assert slow.peak_in_flight == 4
            started = time.monotonic()
            rows = client.kalshi_balances(account="small")
            waited = time.monotonic() - started
            reading.join()
        assert len(rows) == 3
        # A slot comes free every 50/4 ms; a starved request would wait for the whole
        # fan-out (400 x 50 ms / 4 = 5 s).
        assert waited < 1.0

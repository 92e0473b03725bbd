"""serve(): background polls, /metrics over loopback HTTP, prompt shutdown; write_textfile."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.domain import BalanceReport, Venue
from adapter.errors import VenueUnavailableError
from adapter.unattended.exporter import serve, write_textfile
from adapter.unattended.floors import parse_floors
from adapter.unattended.history import History
from tests.unattended.samples import T0, coinswitch, failure, kalshi, report

ACCOUNTS = [("kalshi", "kalshi"), ("coinswitch_dma", "coinswitch_dma")]


class CountingPoll:
    """A poll function that counts its calls; `gate`, when set, holds each call until opened."""

    def __init__(self, result: Callable[[], BalanceReport] | None = None) -> None:
        self.calls = 0
        self.result = result or (lambda: report(kalshi(0, "1500.25"), coinswitch(None, "5000")))
        self.gate: threading.Event | None = None
        self.returned = threading.Event()

    def __call__(self) -> BalanceReport:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        try:
            return self.result()
        finally:
            self.returned.set()


class Running:
    """serve() in a thread, with its address and its stop event."""

    def __init__(self, poll: Callable[[], BalanceReport], **options: Any) -> None:
        self.stop = threading.Event()
        listening = threading.Event()
        self.address: tuple[str, int] = ("", 0)
        self.error: BaseException | None = None

        def on_listening(host: str, port: int) -> None:
            self.address = (host, port)
            listening.set()

        def run() -> None:
            try:
                serve(
                    poll,
                    listen=("127.0.0.1", 0),
                    accounts=ACCOUNTS,
                    stop=self.stop,
                    on_listening=on_listening,
                    **{"interval": 3600.0, **options},
                )
            except BaseException as exc:
                self.error = exc
                listening.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert listening.wait(5), "serve() did not start listening"
        assert self.error is None, self.error

    def get(self, path: str = "/metrics") -> tuple[int, str]:
        url = f"http://{self.address[0]}:{self.address[1]}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def scrape_until(self, text: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            _, body = self.get()
            if text in body or time.monotonic() > deadline:
                return body
            time.sleep(0.01)

    def stop_within(self, seconds: float) -> float:
        started = time.monotonic()
        self.stop.set()
        self.thread.join(seconds + 2)
        elapsed = time.monotonic() - started
        assert not self.thread.is_alive(), "serve() did not return"
        assert self.error is None, self.error
        assert elapsed < seconds, f"serve() took {elapsed:.2f} s to stop"
        return elapsed


@pytest.fixture
def running() -> Iterator[list[Running]]:
    """Stops whatever a test started, even when it fails half-way."""
    started: list[Running] = []
    yield started
    for server in started:
        server.stop.set()
        server.thread.join(5)


def test_scrapes_read_the_last_poll_and_never_poll(running: list[Running]) -> None:
    poll = CountingPoll()
    server = Running(poll)
    running.append(server)

    first = server.scrape_until('venue_balances_up{account="kalshi",venue="kalshi"} 1.0')
    status, second = server.get()

    assert status == 200
    assert poll.calls == 1  # the poll at start; two scrapes added none
    assert (
        'venue_balances_balance{account="kalshi",currency="USD",subaccount="0",venue="kalshi"}'
        " 1500.25" in first
    )
    assert 'subaccount="master",venue="coinswitch_dma"} 5000.0' in second
    assert "venue_balances_poll_duration_seconds" in second
    assert T0.timestamp() == 1795168800  # the sample report's fetched_at
    assert (
        'venue_balances_last_success_timestamp_seconds{account="kalshi",venue="kalshi"}'
        " 1.7951688e+09" in second
    )
    assert server.get("/")[0] == 404
    assert "/metrics" in server.get("/nothing/here")[1]
    server.stop_within(1.0)
    assert poll.calls == 1


def test_polls_every_interval_and_records_each(running: list[Running]) -> None:
    poll = CountingPoll()
    recorded: list[BalanceReport] = []
    server = Running(poll, interval=0.05, recorder=recorded.append)
    running.append(server)
    deadline = time.monotonic() + 5
    while len(recorded) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop_within(1.0)
    assert len(recorded) >= 4
    assert poll.calls >= len(recorded)
    calls = poll.calls
    time.sleep(0.2)
    # No new polls after serve() returned (one that had just begun may still be counted).
    assert poll.calls <= calls + 1


def test_records_into_history(running: list[Running], tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    server = Running(
        CountingPoll(),
        recorder=lambda r: history.record(r, simulated=True),  # from the poller's thread
    )
    running.append(server)
    server.scrape_until('venue_balances_up{account="kalshi",venue="kalshi"} 1.0')
    server.stop_within(1.0)
    [snapshot] = History(history.path, create=False).snapshots()
    assert snapshot.simulated
    assert [str(b.balance) for b in snapshot.balances] == ["1500.25", "5000"]


def test_a_poll_that_raises_marks_every_venue_down(running: list[Running]) -> None:
    def fail() -> BalanceReport:
        raise VenueUnavailableError("the client is closed")

    server = Running(CountingPoll(fail))
    running.append(server)
    body = server.scrape_until(
        'venue_balances_up{account="coinswitch_dma",venue="coinswitch_dma"} 0.0'
    )
    assert 'venue_balances_up{account="kalshi",venue="kalshi"} 0.0' in body
    assert (
        'venue_balances_fetch_errors_total{account="kalshi",kind="unavailable",venue="kalshi"} 1.0'
        in body
    )
    assert "venue_balances_balance{" not in body
    server.stop_within(1.0)


def test_floors_are_exported(running: list[Running]) -> None:
    server = Running(CountingPoll(), floors=parse_floors(["kalshi:0=2000", "coinswitch_dma=1"]))
    running.append(server)
    body = server.scrape_until("venue_balances_below_minimum{")
    assert 'venue_balances_below_minimum{selector="kalshi:0"} 1.0' in body
    assert 'venue_balances_below_minimum{selector="coinswitch_dma"} 0.0' in body
    server.stop_within(1.0)


def test_a_slow_poll_does_not_hold_up_shutdown(running: list[Running]) -> None:
    poll = CountingPoll()
    poll.gate = threading.Event()  # the venue never answers until the test lets it
    recorded: list[BalanceReport] = []
    server = Running(poll, recorder=recorded.append)
    running.append(server)
    deadline = time.monotonic() + 5
    while poll.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    server.stop_within(1.0)
    poll.gate.set()  # the poll ends after shutdown: its result is dropped, not recorded
    assert poll.returned.wait(5)
    time.sleep(0.1)
    assert recorded == []


def test_a_snapshot_being_written_is_finished_before_returning(running: list[Running]) -> None:
    writing = threading.Event()
    finished: list[float] = []

    def slow_record(r: BalanceReport) -> None:
        writing.set()
        time.sleep(0.3)
        finished.append(time.monotonic())

    server = Running(CountingPoll(), recorder=slow_record)
    running.append(server)
    assert writing.wait(5)
    server.stop_within(1.0)
    assert len(finished) == 1  # serve() returned only after the write ended
    assert finished[0] <= time.monotonic()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_serve_cleanly(signum: signal.Signals) -> None:
    poll = CountingPoll()
    stop = threading.Event()

    def interrupt(host: str, port: int) -> None:
        # A real signal: interrupt_main() alone would not wake a blocked wait.
        threading.Timer(0.2, os.kill, (os.getpid(), signum)).start()

    # What the CLI does for SIGTERM (adapter/exporter.py's docstring).
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    try:
        serve(
            poll,
            listen=("127.0.0.1", 0),
            interval=3600.0,
            accounts=ACCOUNTS,
            stop=stop,
            on_listening=interrupt,
        )
    except KeyboardInterrupt:
        pytest.fail("serve() let the interrupt escape instead of stopping cleanly")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stop.is_set()
    assert 0.2 <= time.monotonic() - started < 1.5
    assert poll.calls == 1


def test_a_taken_address_fails_before_anything_starts() -> None:
    poll = CountingPoll()
    first = Running(poll)
    try:
        with pytest.raises(OSError):
            serve(
                poll,
                listen=first.address,
                interval=3600.0,
                accounts=ACCOUNTS,
                stop=threading.Event(),
            )
    finally:
        first.stop_within(1.0)


def test_bad_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        serve(
            CountingPoll(),
            listen=("127.0.0.1", 0),
            interval=0,
            accounts=ACCOUNTS,
            stop=threading.Event(),
        )


def test_write_textfile_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "balances.prom"
    path.write_text("old\n")
    path.chmod(0o640)
    write_textfile(path, "venue_balances_up 1\n")
    assert path.read_text() == "venue_balances_up 1\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["balances.prom"]


def test_write_textfile_gives_a_new_file_the_umasks_mode(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_textfile(tmp_path / "new.csv", "a,b\n")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o640


def test_write_textfile_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "a-directory"
    target.mkdir()
    with pytest.raises(OSError):
        write_textfile(target, "text")  # cannot rename a file over a directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory"]
    with pytest.raises(FileNotFoundError):
        write_textfile(tmp_path / "missing" / "file.txt", "text")


def test_serve_says_what_failed_what_recovered_and_which_floors_broke(
    running: list[Running], caplog: pytest.LogCaptureFixture
) -> None:
    """One line per account whose poll failed, one when it recovers, one when a floor
    breaks and one when it recovers; the account that keeps working says nothing."""
    down = VenueUnavailableError("timed out", account="kalshi", venue="kalshi")
    polls = iter(
        [
            report(kalshi(0, "50"), coinswitch(None, "5000")),  # floor broken
            report(coinswitch(None, "5000"), errors=(failure(Venue.KALSHI, None, down),)),
            report(kalshi(0, "150"), coinswitch(None, "5000")),  # recovered, floor too
        ]
    )
    reload = threading.Event()
    poll = CountingPoll(lambda: next(polls))
    caplog.set_level(logging.WARNING, logger="adapter")
    server = Running(poll, floors=parse_floors(["kalshi:0=100"]), interval=3600.0, reload=reload)
    running.append(server)
    for expected in (1, 2, 3):
        end = time.monotonic() + 5
        while poll.calls < expected or not poll.returned.is_set():
            assert time.monotonic() < end
            time.sleep(0.01)
        time.sleep(0.05)
        poll.returned.clear()
        reload.set()  # the next poll at once (nothing to reconfigure)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "floor kalshi:0 broken: below minimum: kalshi subaccount 0 holds 50 USD,"
        " floor 100 (kalshi:0)",
        "poll: kalshi: timed out",
        "poll: kalshi recovered: everything fetched",
        "floor kalshi:0 recovered",
    ]

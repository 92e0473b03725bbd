"""Floors: SELECTOR=AMOUNT parsed exactly, and balances compared with them exactly."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from adapter.domain import Venue
from adapter.errors import VenueUnavailableError
from adapter.unattended.floors import (
    Breach,
    Floor,
    breach_line,
    check_floors,
    parse_floor,
    parse_floors,
)
from tests.unattended.samples import THIRTY_DIGITS, coinswitch, failure, kalshi, report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kalshi=100",
            Floor(
                selector="kalshi",
                name="kalshi",
                venue=Venue.KALSHI,
                scope="each",
                amount=Decimal("100"),
            ),
        ),
        (
            "kalshi:3=0.00001",
            Floor(
                selector="kalshi:3",
                name="kalshi",
                venue=Venue.KALSHI,
                scope="one",
                subaccount=3,
                amount=Decimal("0.00001"),
            ),
        ),
        (
            "kalshi:0=-20",
            Floor(
                selector="kalshi:0",
                name="kalshi",
                venue=Venue.KALSHI,
                scope="one",
                subaccount=0,
                amount=Decimal("-20"),
            ),
        ),
        (
            "coinswitch_dma:master=1000.50",
            Floor(
                selector="coinswitch_dma:master",
                name="coinswitch_dma",
                venue=Venue.COINSWITCH_DMA,
                scope="one",
                subaccount=None,
                amount=Decimal("1000.50"),
            ),
        ),
        (
            "coinswitch_dma:total=5000",
            Floor(
                selector="coinswitch_dma:total",
                name="coinswitch_dma",
                venue=Venue.COINSWITCH_DMA,
                scope="total",
                amount=Decimal("5000"),
            ),
        ),
        (
            "kalshi:007=1",
            Floor(
                selector="kalshi:7",
                name="kalshi",
                venue=Venue.KALSHI,
                scope="one",
                subaccount=7,
                amount=1,
            ),
        ),
        (
            "us-desk:total=10",
            Floor(selector="us-desk:total", name="us-desk", venue=None, scope="total", amount=10),
        ),
        (
            "Kalshi=100",  # names are case-sensitive: an account's, not the venue
            Floor(selector="Kalshi", name="Kalshi", venue=None, scope="each", amount=100),
        ),
    ],
)
def test_selectors(text: str, expected: Floor) -> None:
    assert parse_floor(text) == expected


def test_amounts_keep_every_digit() -> None:
    floor = parse_floor(f"kalshi:total={THIRTY_DIGITS}")
    assert str(floor.amount) == "123456789012345678901234.567891"
    assert str(parse_floor("kalshi=0.000010").amount) == "0.000010"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kalshi", r"floor 'kalshi' is not SELECTOR=AMOUNT"),
        ("kalshi:3", r"floor 'kalshi:3' is not SELECTOR=AMOUNT"),
        ("bin ance=100", r"floor 'bin ance=100': selector 'bin ance' names no venue"),
        ("=100", r"selector '' names no venue \(kalshi or coinswitch_dma\) and no account"),
        ("a/b=100", r"selector 'a/b' names no venue"),
        ("kalshi:abc=1", r"floor 'kalshi:abc=1': selector 'kalshi:abc' needs a subaccount id"),
        ("kalshi:-1=1", r"selector 'kalshi:-1' needs a subaccount id"),
        ("kalshi:=1", r"selector 'kalshi:' needs a subaccount id"),
        ("kalshi=1e5", r"floor 'kalshi=1e5': '1e5' is not a plain decimal amount"),
        ("kalshi=NaN", r"'NaN' is not a plain decimal amount"),
        ("kalshi=Infinity", r"'Infinity' is not a plain decimal amount"),
        ("kalshi=+1", r"'\+1' is not a plain decimal amount"),
        ("kalshi=1,000", r"'1,000' is not a plain decimal amount"),
        ("kalshi=.5", r"'.5' is not a plain decimal amount"),
        ("kalshi= 1", r"' 1' is not a plain decimal amount"),
        ("kalshi=", r"'' is not a plain decimal amount"),
        ("kalshi=1=2", r"'1=2' is not a plain decimal amount"),
    ],
)
def test_bad_floors_name_themselves(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_floor(text)


def test_a_selector_given_twice_is_refused() -> None:
    assert len(parse_floors(["kalshi=1", "kalshi:total=2", "kalshi:1=3"])) == 3
    with pytest.raises(ValueError, match=r"'kalshi:01=2': selector kalshi:1 already has a floor"):
        parse_floors(["kalshi:1=1", "kalshi:01=2"])
    with pytest.raises(ValueError, match=r"floor 'kalshi=1e5'"):
        parse_floors(["kalshi=1", "kalshi=1e5"])


def test_comparison_is_exact() -> None:
    floors = parse_floors(["kalshi=0.00001"])
    below = check_floors(floors, report(kalshi(0, "0.000001"), kalshi(1, "0.00001")))
    assert [(b.subaccount, str(b.balance), str(b.floor)) for b in below.breaches] == [
        (0, "0.000001", "0.00001")
    ]
    # Equal (with other digits) is not below; a float would get these wrong.
    floors = parse_floors([f"kalshi:0={THIRTY_DIGITS}"])
    assert check_floors(floors, report(kalshi(0, f"{THIRTY_DIGITS}000"))).breaches == []
    one_less = "123456789012345678901234.567890"  # THIRTY_DIGITS less 0.000001
    [breach] = check_floors(floors, report(kalshi(0, one_less))).breaches
    assert str(breach.balance) == one_less


def test_each_one_and_master() -> None:
    r = report(
        kalshi(0, "50.00"),
        kalshi(1, "150.00"),
        coinswitch(None, "900"),
        coinswitch(1001, "5"),
        coinswitch(1002, "2000"),
    )
    check = check_floors(
        parse_floors(["kalshi=100", "coinswitch_dma:master=1000", "coinswitch_dma:1001=5"]), r
    )
    assert check.breaches == [
        Breach(
            selector="kalshi",
            venue=Venue.KALSHI,
            account="kalshi",
            subaccount=0,
            total=False,
            currency="USD",
            balance=Decimal("50.00"),
            floor=Decimal("100"),
        ),
        Breach(
            selector="coinswitch_dma:master",
            venue=Venue.COINSWITCH_DMA,
            account="coinswitch_dma",
            subaccount=None,
            total=False,
            currency="USDT",
            balance=Decimal("900"),
            floor=Decimal("1000"),
        ),
    ]
    assert check.unchecked == []
    # `VENUE` covers the master too.
    each = check_floors(parse_floors(["coinswitch_dma=1000"]), r).breaches
    assert [b.subaccount for b in each] == [None, 1001]


def test_totals_are_exact_sums_per_venue() -> None:
    r = report(kalshi(0, str(THIRTY_DIGITS)), kalshi(1, "0.000009"), coinswitch(None, "1"))
    exactly = "123456789012345678901234.567900"  # THIRTY_DIGITS + 0.000009, no rounding
    assert check_floors(parse_floors([f"kalshi:total={exactly}"]), r).breaches == []
    [breach] = check_floors(parse_floors([f"kalshi:total={exactly}1"]), r).breaches
    assert (breach.total, breach.subaccount, breach.incomplete) == (True, None, False)
    assert str(breach.balance) == exactly
    # The other venue's balance is not part of Kalshi's total.
    assert check_floors(parse_floors(["coinswitch_dma:total=1.00"]), r).breaches == []


def test_a_total_missing_failed_subaccounts_is_marked_incomplete() -> None:
    down = VenueUnavailableError("timed out", venue="coinswitch_dma")
    r = report(
        coinswitch(None, "100"),
        coinswitch(1001, "100"),
        errors=(failure(Venue.COINSWITCH_DMA, 1002, down),),
    )
    [breach] = check_floors(parse_floors(["coinswitch_dma:total=500"]), r).breaches
    assert breach.incomplete
    assert breach.balance == Decimal("200")
    assert breach_line(breach).endswith("; incomplete: some of its balances could not be fetched")
    # What was fetched already clears the floor: no breach, incomplete or not.
    assert check_floors(parse_floors(["coinswitch_dma:total=200"]), r).breaches == []
    # Another venue's failure does not make this total incomplete.
    other = report(kalshi(0, "1"), errors=(failure(Venue.COINSWITCH_DMA, None, down),))
    [kalshi_breach] = check_floors(parse_floors(["kalshi:total=2"]), other).breaches
    assert not kalshi_breach.incomplete


def test_a_master_floor_on_a_venue_without_one_is_unchecked() -> None:
    floor = parse_floor("kalshi:master=1")
    assert (floor.selector, floor.scope, floor.subaccount) == ("kalshi:master", "one", None)
    check = check_floors([floor], report(kalshi(0, "0.5"), coinswitch(None, "0.5")))
    assert check.breaches == []
    assert check.unchecked == [floor]


def test_floors_with_nothing_to_compare_are_unchecked_not_passed() -> None:
    down = VenueUnavailableError("timed out", venue="kalshi")
    r = report(coinswitch(1001, "5"), errors=(failure(Venue.KALSHI, None, down),))
    floors = parse_floors(
        ["kalshi=1", "kalshi:total=1", "kalshi:0=1", "coinswitch_dma:master=1", "coinswitch_dma=1"]
    )
    check = check_floors(floors, r)
    assert check.breaches == []
    assert [f.selector for f in check.unchecked] == [
        "kalshi",
        "kalshi:total",
        "kalshi:0",
        "coinswitch_dma:master",
    ]


def test_breach_lines() -> None:
    r = report(kalshi(3, "99.99"), coinswitch(None, "0.000001"))
    floors = parse_floors(["kalshi:3=100", "coinswitch_dma=0.00001", "kalshi:total=100.00"])
    lines = [breach_line(b) for b in check_floors(floors, r).breaches]
    assert lines == [
        "below minimum: kalshi subaccount 3 holds 99.99 USD, floor 100 (kalshi:3)",
        "below minimum: coinswitch_dma subaccount master holds 0.000001 USDT,"
        " floor 0.00001 (coinswitch_dma)",
        "below minimum: kalshi total holds 99.99 USD, floor 100.00 (kalshi:total)",
    ]


def test_a_huge_argument_is_quoted_short() -> None:
    with pytest.raises(ValueError) as caught:
        parse_floor("kalshi=" + "9" * 131_072 + "x")
    assert len(str(caught.value)) < 300 and "131,080 characters" in str(caught.value)


def test_account_floors_cover_one_account_and_venue_floors_every_account() -> None:
    desk = [kalshi(0, "50"), kalshi(1, "70")]
    fund = [kalshi(0, "500")]
    r = report(
        *(attrs.evolve(b, account="us-desk") for b in desk),
        *(attrs.evolve(b, account="us-fund") for b in fund),
        errors=(
            attrs.evolve(failure(Venue.KALSHI, 2, VenueUnavailableError("x")), account="us-fund"),
        ),
    )
    floors = parse_floors(["us-desk:total=200", "kalshi:total=600", "us-fund:0=501", "kalshi:0=60"])
    breaches = check_floors(floors, r).breaches
    assert [(b.selector, b.account, b.subaccount, str(b.balance)) for b in breaches] == [
        ("us-desk:total", "us-desk", None, "120"),
        ("us-fund:0", "us-fund", 0, "500"),
        ("kalshi:0", "us-desk", 0, "50"),
    ]
    assert not breaches[0].incomplete  # us-fund's failure is not us-desk's
    [venue_total] = check_floors(parse_floors(["kalshi:total=621"]), r).breaches
    assert (venue_total.account, str(venue_total.balance), venue_total.incomplete) == (
        None,
        "620",
        True,
    )
    assert breach_line(venue_total).startswith("below minimum: kalshi total holds 620 USD")
    assert breach_line(breaches[0]).startswith("below minimum: us-desk (kalshi) total holds 120")


def test_a_masters_numeric_id_selects_it_when_told() -> None:
    r = report(
        attrs.evolve(coinswitch(None, "900"), account="in"),
        attrs.evolve(coinswitch(1001, "5"), account="in"),
    )
    floors = parse_floors(["in:1000=1000"])
    assert check_floors(floors, r).unchecked == floors  # the id alone says nothing
    [breach] = check_floors(floors, r, masters={"in": 1000}).breaches
    assert (breach.account, breach.subaccount, str(breach.balance)) == ("in", None, "900")

"""Older revisions of Kalshi's spec: answers shaped by them still map into balances.

Kalshi's 3.8.0 text (the seed this project started from, kept verbatim in
tests/specs/fixtures/kalshi-3.8.0.yaml) has no `exchange_index` on a SubaccountBalance row. A
client generated from it, by scripts/regenerate.py's own `generate`, parses such rows; the
adapter's Kalshi mapping must still turn them into balances.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from adapter import MalformedResponseError, SubaccountBalance, Venue

# The adapter's Kalshi mapping under test: generated rows in, balances out (or FieldProblem).
from adapter.fields import FieldProblem
from adapter.venues.kalshi.mapping import balances_from_rows
from tests.paths import ROOT
from tests.specs.test_regenerate import load_regenerate

SEED = ROOT / "tests" / "specs" / "fixtures" / "kalshi-3.8.0.yaml"
# The OpenAPI block of Kalshi's get-all-subaccount-balances page, spec 3.8.0 (copy downloaded
# 2026-02-22T23:06:59Z), as recorded in specs/README.md when it was the current text.
SEED_SHA256 = "a33ba8ef400438f8596f440715f8330d3a461a8fdd7b6622c15b79a9a18d01b3"
SEED_PACKAGE = "venue_balances_kalshi_3_8_0"


def test_seed_is_kalshis_3_8_0_text() -> None:
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


@pytest.fixture(scope="module")
def seed_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The models of a client generated from the 3.8.0 seed, the way generated/ is made."""
    out = tmp_path_factory.mktemp("generated")
    load_regenerate().generate(SEED_PACKAGE, [SEED], out)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(f"{SEED_PACKAGE}.models")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.partition(".")[0] == SEED_PACKAGE]:
            del sys.modules[name]


def seed_row(number: int, balance: str, ts: int = 1763751540, **extra: Any) -> dict[str, Any]:
    """A row as 3.8.0 describes it: no exchange_index."""
    return {"subaccount_number": number, "balance": balance, "updated_ts": ts, **extra}


def parsed(models: Any, *rows: dict[str, Any]) -> list[Any]:
    return [models.SubaccountBalance.from_dict(row) for row in rows]


def test_seed_client_declares_no_exchange_index(seed_models: Any) -> None:
    fields = set(attrs.fields_dict(seed_models.SubaccountBalance))
    assert fields == {"subaccount_number", "balance", "updated_ts", "additional_properties"}
    [row] = parsed(seed_models, seed_row(0, "1.00"))
    assert row.additional_properties == {}


def test_seed_shaped_answer_maps_into_balances(seed_models: Any) -> None:
    body = {
        "subaccount_balances": [
            seed_row(1, "320.75", 1763751541),
            seed_row(0, "1500.2500", 1763751540),
            seed_row(2, "0.123456", 1763751542),
        ]
    }
    response = seed_models.GetSubaccountBalancesResponse.from_dict(body)

    balances = balances_from_rows(response.subaccount_balances)

    assert balances == [
        SubaccountBalance(
            venue=Venue.KALSHI,
            subaccount=number,
            primary=number == 0,
            currency="USD",
            balance=Decimal(text),
            updated_at=datetime.fromtimestamp(ts, UTC),
        )
        for number, text, ts in [
            (0, "1500.2500", 1763751540),
            (1, "320.75", 1763751541),
            (2, "0.123456", 1763751542),
        ]
    ]
    assert [str(balance.balance) for balance in balances] == ["1500.2500", "320.75", "0.123456"]


def test_seed_shaped_shard_rows_with_an_extra_exchange_index_are_summed(seed_models: Any) -> None:
    # Between 3.8.0 and 3.22.0 the key could arrive undeclared, kept as an extra property.
    rows = parsed(
        seed_models,
        seed_row(0, "100.10", 1000, exchange_index=0),
        seed_row(0, "0.000001", 3000, exchange_index=1),
        seed_row(0, "2.5", 2000, exchange_index=2),
        seed_row(3, "7.00", 1500, exchange_index=0),
    )
    assert rows[0].additional_properties == {"exchange_index": 0}

    balances = balances_from_rows(rows)

    assert [(b.subaccount, str(b.balance)) for b in balances] == [(0, "102.600001"), (3, "7.00")]
    assert balances[0].updated_at == datetime.fromtimestamp(3000, UTC)  # the latest
    # The venue did say which shard each row is on: those figures are kept.
    assert [(s.exchange_index, str(s.balance)) for s in balances[0].shards] == [
        (0, "100.10"),
        (1, "0.000001"),
        (2, "2.5"),
    ]


def test_seed_shaped_row_with_a_null_extra_exchange_index_is_refused(seed_models: Any) -> None:
    # Only a row with no index at all is 3.8.0's "whole cash"; a null index is no shard.
    rows = parsed(seed_models, seed_row(0, "1.00", exchange_index=None))
    with pytest.raises(FieldProblem) as caught:
        balances_from_rows(rows)
    assert caught.value.field == "subaccount_balances[0].exchange_index"


@pytest.mark.parametrize(
    "rows",
    [
        [seed_row(1, "1.00"), seed_row(1, "2.00")],
        [seed_row(1, "1.00"), seed_row(1, "2.00", exchange_index=1)],
        [seed_row(1, "1.00", exchange_index=1), seed_row(1, "2.00")],
    ],
    ids=["no-shard", "unsharded-then-sharded", "sharded-then-unsharded"],
)
def test_seed_shaped_duplicate_rows_are_refused(seed_models: Any, rows: list[Any]) -> None:
    with pytest.raises(FieldProblem) as caught:
        balances_from_rows(parsed(seed_models, *rows))
    assert caught.value.field == "subaccount_balances[1]"
    assert "repeats subaccount 1" in caught.value.problem


def test_seed_shaped_answer_is_malformed_for_the_current_client(
    make_client: Any, venues: Any
) -> None:
    # Since 3.22.0 exchange_index is required: the current client names it as missing.
    venues.kalshi = {"subaccount_balances": [seed_row(0, "1500.2500"), seed_row(1, "320.75")]}
    with make_client() as client, pytest.raises(MalformedResponseError) as caught:
        client.kalshi_balances()
    assert caught.value.field == "subaccount_balances[0].exchange_index"
    assert "exchange_index" in str(caught.value) and caught.value.venue == "kalshi"

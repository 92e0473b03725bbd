"""The mapping alone: strict JSON plus the venue mapping of whole bodies, against json.loads."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from adapter.fields import load_json
from adapter.venues.coinswitch_dma.mapping import consolidated_from_json
from adapter.venues.kalshi.mapping import balances_from_json
from benchmarks.sandboxes import KALSHI_ROWS, MASTER_CHILDREN, consolidated_body, kalshi_body
from benchmarks.timing import median_of, median_ratio, rounds_of, sync_batch


def mapping(rounds: int, batch_seconds: float) -> dict[str, Any]:
    """Strict JSON plus the venue mapping of whole bodies, against json.loads of the same
    bytes, without HTTP; each variant's batch sized to take about `batch_seconds`."""
    bodies: dict[str, tuple[bytes, Callable[[Any], list[Any]], int]] = {
        f"kalshi-{rows}": (kalshi_body(rows), balances_from_json, rows) for rows in KALSHI_ROWS
    }
    bodies[f"coinswitch-{MASTER_CHILDREN}"] = (
        consolidated_body(MASTER_CHILDREN),
        consolidated_from_json,
        MASTER_CHILDREN + 1,  # the master's own row, then every child's
    )
    calls: dict[str, Callable[[], Any]] = {}
    for name, (body, mapper, _) in bodies.items():
        calls[f"{name} mapping"] = functools.partial(_mapped, mapper, body)
        calls[f"{name} json.loads"] = functools.partial(json.loads, body)
    for name, (_, _, rows) in bodies.items():  # one balance per subaccount, all there
        count = min(rows, 64) if name.startswith("kalshi") else rows
        assert len(calls[f"{name} mapping"]()) == count, name
    variants = {}
    for name, call in calls.items():
        one = min(sync_batch(call, 5)()[0] for _ in range(3))
        variants[name] = sync_batch(call, max(1, round(batch_seconds / one)))
    samples = rounds_of(variants, rounds, warmup=1)
    us = {name: median_of(samples, name, 0) * 1e6 for name in samples}
    return {
        "rounds": rounds,
        "rows": {name: rows for name, (_, _, rows) in bodies.items()},
        "us": us,
        "us_per_row": {name: us[f"{name} mapping"] / rows for name, (_, _, rows) in bodies.items()},
        "ratio_to_json_loads": {
            name: median_ratio(samples, f"{name} mapping", f"{name} json.loads") for name in bodies
        },
    }


def _mapped(mapper: Callable[[Any], list[Any]], body: bytes) -> list[Any]:
    return mapper(load_json(body))

"""Timing helpers of the benchmark: batches of calls, interleaved rounds, medians of ratios."""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

Sample = tuple[float, float]
"""Seconds (per call, for a batch of calls): (wall, CPU)."""


Samples = dict[str, list[Sample]]


def rounds_of(variants: dict[str, Callable[[], Sample]], rounds: int, warmup: int) -> Samples:
    """Each variant's sample in each round, variants in rotating order."""
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    samples: Samples = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name]())
    return samples


def sync_batch(call: Callable[[], Any], size: int) -> Callable[[], Sample]:
    def run() -> Sample:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(size):
            call()
        return (time.perf_counter() - wall) / size, (time.process_time() - cpu) / size

    return run


def async_batch(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[Any]], size: int
) -> Callable[[], Sample]:
    async def many() -> Sample:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(size):
            await call()
        return (time.perf_counter() - wall) / size, (time.process_time() - cpu) / size

    return lambda: loop.run_until_complete(many())


def median_of(samples: Samples, name: str, which: int) -> float:
    return statistics.median(sample[which] for sample in samples[name])


def median_ratio(samples: Samples, numerator: str, denominator: str, which: int = 0) -> float:
    return statistics.median(
        a[which] / b[which] for a, b in zip(samples[numerator], samples[denominator], strict=True)
    )


def paced(batch: Callable[[], Sample], interval: float) -> Callable[[], Sample]:
    """`batch`, started no sooner than `interval` seconds (plus a little) after its last
    start."""
    last = -math.inf

    def run() -> Sample:
        nonlocal last
        wait = last + interval + 0.002 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        last = time.monotonic()
        return batch()

    return run


def timed_call(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far."""
    if sys.platform == "win32":
        times = os.times()  # no children's times on Windows: CPU figures read 0
        return times.children_user + times.children_system
    import resource  # microseconds, where os.times counts clock ticks of 10 ms

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

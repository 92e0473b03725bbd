"""Start-up: importing the package and the CLI's --help, against importing its dependencies."""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.timing import Sample, children_cpu, median_of, median_ratio, rounds_of

DEPENDENCIES = (
    "import httpx, attrs, cryptography.hazmat.primitives.asymmetric.rsa,"
    " cryptography.hazmat.primitives.asymmetric.ed25519"
)


def start_up(rounds: int) -> dict[str, Any]:
    """Fresh interpreters, interleaved: the package's import with its client class
    touched, its CLI's --help, and the bare import of what a client needs at least."""
    script = str(Path(sys.executable).parent / "venue-balances")
    commands = {
        "import adapter": [sys.executable, "-c", "import adapter; adapter.BalanceClient"],
        "import dependencies": [sys.executable, "-c", DEPENDENCIES],
        "venue-balances --help": [script, "--help"],
    }

    def run(command: list[str]) -> Sample:
        """Wall time and the child's CPU time (user + system)."""
        before, wall = children_cpu(), time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - wall, children_cpu() - before

    samples = rounds_of(
        {name: functools.partial(run, command) for name, command in commands.items()},
        rounds,
        warmup=1,
    )
    return {
        "rounds": rounds,
        "ms": {name: median_of(samples, name, 0) * 1000 for name in samples},
        "cpu_ms": {name: median_of(samples, name, 1) * 1000 for name in samples},
        "ratios": {
            f"{name}/import dependencies": median_ratio(samples, name, "import dependencies")
            for name in ("import adapter", "venue-balances --help")
        },
    }

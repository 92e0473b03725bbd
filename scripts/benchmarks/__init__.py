"""The benchmark's parts, one module per measured thing; `scripts/bench.py` runs them."""

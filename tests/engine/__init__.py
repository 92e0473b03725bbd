"""Tests of adapter/engine/: attempts, retries, deadlines, fan-outs, rate limits and close(),
through the public clients, against fakes, the sandbox and a hostile server."""

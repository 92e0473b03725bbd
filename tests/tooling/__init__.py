"""Tests of the repository's own tools: the linters' verdict, the CI's scripts, the benchmark."""

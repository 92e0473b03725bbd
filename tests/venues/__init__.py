"""Tests of adapter/venues/: each venue's package, and what holds for every venue."""

"""Tests of adapter/venues/kalshi/: its mapping, plans, signer and simulator."""

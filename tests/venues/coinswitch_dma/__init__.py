"""Tests of adapter/venues/coinswitch_dma/: its mapping, the whole master, signer, simulator."""

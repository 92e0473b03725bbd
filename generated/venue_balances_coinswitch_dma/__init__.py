# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
"""A client library for accessing CoinSwitch DMA (B2B master account) balances"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)

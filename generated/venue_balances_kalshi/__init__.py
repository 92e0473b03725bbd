# generated — do not edit; written by scripts/regenerate.py from specs/kalshi-get-all-subaccount-balances.yaml, specs/kalshi-get-balance.yaml
"""A client library for accessing Kalshi Trade API Manual Endpoints"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)

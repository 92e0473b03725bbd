"""Request signing for both venues, as `httpx.Auth` hooks over pure string-to-sign functions."""

from adapter.signing.coinswitch import CoinSwitchSigner
from adapter.signing.kalshi import KalshiSigner

__all__ = ["CoinSwitchSigner", "KalshiSigner"]

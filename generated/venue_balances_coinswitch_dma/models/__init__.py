# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
"""Contains all the data models used in inputs/outputs"""

from .balance_detail import BalanceDetail
from .coin_balance import CoinBalance
from .error_response import ErrorResponse
from .subaccount_balance_data import SubaccountBalanceData
from .subaccount_balance_response import SubaccountBalanceResponse

__all__ = (
    "BalanceDetail",
    "CoinBalance",
    "ErrorResponse",
    "SubaccountBalanceData",
    "SubaccountBalanceResponse",
)

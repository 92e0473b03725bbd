# generated — do not edit; written by scripts/regenerate.py from specs/kalshi.yaml
"""Contains all the data models used in inputs/outputs"""

from .error_response import ErrorResponse
from .get_subaccount_balances_response import GetSubaccountBalancesResponse
from .subaccount_balance import SubaccountBalance

__all__ = (
    "ErrorResponse",
    "GetSubaccountBalancesResponse",
    "SubaccountBalance",
)

# generated — do not edit; written by scripts/regenerate.py from specs/kalshi-get-all-subaccount-balances.yaml, specs/kalshi-get-balance.yaml
"""Contains all the data models used in inputs/outputs"""

from .error_response import ErrorResponse
from .get_balance_response import GetBalanceResponse
from .get_subaccount_balances_response import GetSubaccountBalancesResponse
from .indexed_balance import IndexedBalance
from .subaccount_balance import SubaccountBalance

__all__ = (
    "ErrorResponse",
    "GetBalanceResponse",
    "GetSubaccountBalancesResponse",
    "IndexedBalance",
    "SubaccountBalance",
)

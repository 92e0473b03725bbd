# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
"""Contains all the data models used in inputs/outputs"""

from .balance_detail import BalanceDetail
from .coin_balance import CoinBalance
from .consolidated_balance_data import ConsolidatedBalanceData
from .consolidated_balance_entry import ConsolidatedBalanceEntry
from .consolidated_balance_response import ConsolidatedBalanceResponse
from .error_response import ErrorResponse
from .master_balance_data import MasterBalanceData
from .master_balance_response import MasterBalanceResponse
from .subaccount_balance_data import SubaccountBalanceData
from .subaccount_balance_response import SubaccountBalanceResponse
from .subaccount_list_data import SubaccountListData
from .subaccount_list_entry import SubaccountListEntry
from .subaccount_list_response import SubaccountListResponse

__all__ = (
    "BalanceDetail",
    "CoinBalance",
    "ConsolidatedBalanceData",
    "ConsolidatedBalanceEntry",
    "ConsolidatedBalanceResponse",
    "ErrorResponse",
    "MasterBalanceData",
    "MasterBalanceResponse",
    "SubaccountBalanceData",
    "SubaccountBalanceResponse",
    "SubaccountListData",
    "SubaccountListEntry",
    "SubaccountListResponse",
)

"""CoinSwitch DMA's endpoints as the engine's calls: request arguments from the generated
client, bodies read by `mapping`."""

from __future__ import annotations

from venue_balances_coinswitch_dma.api.master import (
    get_consolidated_balance,
    get_master_balance,
    get_subaccount_balance,
    list_subaccounts,
)

from adapter.domain import Subaccount, SubaccountBalance, Venue
from adapter.engine.call import Call
from adapter.errors import BadRequestError
from adapter.fields import INT64_MAX
from adapter.venues.coinswitch_dma import mapping

__all__ = [
    "CHILD",
    "CONSOLIDATED",
    "LIST",
    "MASTER",
    "child_balance",
    "consolidated",
    "master_balance",
    "subaccounts",
]

VENUE = Venue.COINSWITCH_DMA
CHILD = "GET /dma/api/v1/master/subaccount/balance"
MASTER = "GET /dma/api/v1/master/balance"
LIST = "GET /dma/api/v1/master/subaccounts"
CONSOLIDATED = "GET /dma/api/v1/master/balance/consolidated"
WHOLE_MASTER_BYTES = 16 * 1024 * 1024
"""The body cap of answers that list every child: about 30,000 children of ~500 bytes (B2B
answers are not paginated), parsed in well under 300 MiB."""


def child_balance(account: str, subaccount_id: object) -> Call[SubaccountBalance]:
    """One child subaccount's balance; BadRequestError for an id that cannot be asked for."""
    number = _subaccount_id(account, subaccount_id)
    return Call(
        account=account,
        venue=VENUE,
        endpoint=CHILD,
        subaccount=number,
        request=get_subaccount_balance._get_kwargs(subaccount_id=number),
        parse=lambda payload: mapping.balance_from_json(payload, number, account=account),
        error_message=mapping.error_message,
    )


def master_balance(account: str) -> Call[SubaccountBalance]:
    """The master account's own balance."""
    return Call(
        account=account,
        venue=VENUE,
        endpoint=MASTER,
        subaccount=None,
        request=get_master_balance._get_kwargs(),
        parse=lambda payload: mapping.master_balance_from_json(payload, account=account),
        error_message=mapping.error_message,
    )


def subaccounts(account: str) -> Call[list[Subaccount]]:
    """The master's subaccount list, its own row included."""
    return Call(
        account=account,
        venue=VENUE,
        endpoint=LIST,
        subaccount=None,
        request=list_subaccounts._get_kwargs(),
        parse=lambda payload: mapping.subaccounts_from_json(payload, account=account),
        error_message=mapping.error_message,
        max_body=WHOLE_MASTER_BYTES,
    )


def consolidated(account: str) -> Call[list[SubaccountBalance]]:
    """The master and every child, in one request."""
    return Call(
        account=account,
        venue=VENUE,
        endpoint=CONSOLIDATED,
        subaccount=None,
        request=get_consolidated_balance._get_kwargs(),
        parse=lambda payload: mapping.consolidated_from_json(payload, account=account),
        error_message=mapping.error_message,
        max_body=WHOLE_MASTER_BYTES,
    )


def _subaccount_id(account: str, value: object) -> int:
    if type(value) is not int or not 0 <= value <= INT64_MAX:  # the spec's int64
        raise BadRequestError(
            f"a CoinSwitch subaccount id is an integer >= 0, not {value!r:.40}",
            account=account,
            venue=VENUE,
            endpoint=CHILD,
        )
    return value

"""CoinSwitch DMA's endpoints as the engine's calls: request arguments from the generated
client, bodies read by `mapping`."""

from __future__ import annotations

from venue_balances_coinswitch_dma.api.master import get_subaccount_balance

from adapter.domain import SubaccountBalance, Venue
from adapter.engine.call import Call
from adapter.errors import BadRequestError
from adapter.venues.coinswitch_dma import mapping

__all__ = ["CHILD", "child_balance"]

CHILD = "GET /dma/api/v1/master/subaccount/balance"


def child_balance(subaccount_id: object) -> Call[SubaccountBalance]:
    """One child subaccount's balance; BadRequestError for an id that cannot be asked for."""
    number = _subaccount_id(subaccount_id)
    return Call(
        venue=Venue.COINSWITCH_DMA,
        endpoint=CHILD,
        subaccount=number,
        request=get_subaccount_balance._get_kwargs(subaccount_id=number),
        parse=lambda payload: mapping.balance_from_json(payload, number),
        error_message=mapping.error_message,
    )


def _subaccount_id(value: object) -> int:
    if type(value) is not int or not 0 <= value < 2**63:  # the spec's int64
        raise BadRequestError(
            f"a CoinSwitch subaccount id is an integer >= 0, not {value!r:.40}",
            venue=Venue.COINSWITCH_DMA,
            endpoint=CHILD,
        )
    return value

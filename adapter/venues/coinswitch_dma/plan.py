"""Which CoinSwitch DMA calls each public method makes, in which steps (`engine.call.Plan`)."""

from __future__ import annotations

from collections.abc import Iterable

from adapter.domain import FetchError, SubaccountBalance, Venue
from adapter.engine.call import Call, Gathered, Outcome, Plan, outcome_value
from adapter.errors import AdapterError, BadRequestError
from adapter.venues.coinswitch_dma import endpoints

__all__ = ["balance", "balances", "report"]

VENUE = Venue.COINSWITCH_DMA
Entry = Call[SubaccountBalance] | AdapterError


def balance(subaccount_id: object) -> Plan[SubaccountBalance]:
    """One child's balance."""
    outcomes: list[Outcome[SubaccountBalance]] = yield [endpoints.child_balance(subaccount_id)]
    return outcome_value(outcomes[0])


def balances(subaccount_ids: object) -> Plan[list[SubaccountBalance]]:
    """One balance per id given, in that order (a repeated id is fetched once); after
    everything is fetched, the first failure in the order given is raised."""
    calls, entries = _entries(subaccount_ids)
    outcomes: list[Outcome[SubaccountBalance]] = yield calls
    fetched = {id(call): outcome for call, outcome in zip(calls, outcomes, strict=True)}
    return [
        outcome_value(entry if isinstance(entry, AdapterError) else fetched[id(entry)])
        for entry in entries
    ]


def report(subaccount_ids: object) -> Plan[Gathered]:
    """What `all_balances` reads of CoinSwitch DMA: the children named."""
    try:
        calls, entries = _entries(subaccount_ids)
    except AdapterError as error:
        return Gathered(balances=[], errors=[FetchError(venue=VENUE, subaccount=None, error=error)])
    outcomes: list[Outcome[SubaccountBalance]] = yield calls
    errors = [
        FetchError(venue=VENUE, subaccount=None, error=entry)
        for entry in entries
        if isinstance(entry, AdapterError)
    ]
    found = []
    for call, outcome in zip(calls, outcomes, strict=True):
        if isinstance(outcome, AdapterError):
            errors.append(FetchError(venue=VENUE, subaccount=call.subaccount, error=outcome))
        else:
            found.append(outcome)
    return Gathered(balances=found, errors=errors)


def _entries(subaccount_ids: object) -> tuple[list[Call[SubaccountBalance]], list[Entry]]:
    """One call per distinct valid id, and the ids in the order given: each entry is its
    call (shared by repeats of an id) or, for an id that cannot be asked for, the error
    saying why."""
    if isinstance(subaccount_ids, str | bytes) or not isinstance(subaccount_ids, Iterable):
        raise BadRequestError("CoinSwitch subaccount ids must be a list of integers", venue=VENUE)
    calls: dict[int | None, Call[SubaccountBalance]] = {}
    entries: list[Entry] = []
    for subaccount_id in subaccount_ids:
        try:
            call = endpoints.child_balance(subaccount_id)
        except AdapterError as error:
            entries.append(error)
        else:
            entries.append(calls.setdefault(call.subaccount, call))
    return list(calls.values()), entries

"""Which CoinSwitch DMA calls each public method makes, in which steps (`engine.call.Plan`).

The whole master is one consolidated request. Where a deployment does not offer that
endpoint (404, 405 or 501), the plan falls back to the master's balance and the list,
then one request per child in ascending order, and says so in one log line; any other
failure is reported as it is, not retried down another path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import cast

from adapter.domain import FetchError, Subaccount, SubaccountBalance, Venue, build_failure
from adapter.engine.call import Call, Calls, Gathered, Outcome, Plan, outcome_value
from adapter.errors import AdapterError, BadRequestError
from adapter.venues.coinswitch_dma import endpoints

__all__ = ["all_balances", "balance", "balances", "master_balance", "report", "subaccounts"]

VENUE = Venue.COINSWITCH_DMA
FALLBACK_STATUSES = frozenset({404, 405, 501})
"""Answers of the consolidated endpoint that mean "not offered here"."""
Entry = Call[SubaccountBalance] | AdapterError
log = logging.getLogger("adapter")


def balance(account: str, subaccount_id: object) -> Plan[SubaccountBalance]:
    """One child's balance."""
    outcomes: list[Outcome[SubaccountBalance]] = yield [
        endpoints.child_balance(account, subaccount_id)
    ]
    return outcome_value(outcomes[0])


def master_balance(account: str) -> Plan[SubaccountBalance]:
    """The master account's own balance."""
    outcomes: list[Outcome[SubaccountBalance]] = yield [endpoints.master_balance(account)]
    return outcome_value(outcomes[0])


def subaccounts(account: str) -> Plan[list[Subaccount]]:
    """The master's subaccount list, its own row first."""
    outcomes: list[Outcome[list[Subaccount]]] = yield [endpoints.subaccounts(account)]
    return outcome_value(outcomes[0])


def balances(account: str, subaccount_ids: object) -> Plan[list[SubaccountBalance]]:
    """One balance per id given, in that order (a repeated id is fetched once); after
    everything is fetched, the first failure in the order given is raised."""
    calls, entries = _entries(account, subaccount_ids)
    outcomes: list[Outcome[SubaccountBalance]] = yield calls
    fetched = {id(call): outcome for call, outcome in zip(calls, outcomes, strict=True)}
    return [
        outcome_value(entry if isinstance(entry, AdapterError) else fetched[id(entry)])
        for entry in entries
    ]


def all_balances(account: str) -> Plan[list[SubaccountBalance]]:
    """The master, then every child by ascending id; the first failure is raised."""
    whole = yield from _whole_master(account)
    if whole.errors:
        raise whole.errors[0].error
    return whole.balances


def report(account: str, subaccount_ids: Iterable[object] | None) -> Plan[Gathered]:
    """What `all_balances` reads of one CoinSwitch DMA account: the whole master, or the
    children named."""
    if subaccount_ids is None:
        return (yield from _whole_master(account))
    try:
        calls, entries = _entries(account, subaccount_ids)
    except AdapterError as error:
        return Gathered(balances=[], errors=[_failure(account, error)])
    outcomes: list[Outcome[SubaccountBalance]] = yield calls
    errors = [_failure(account, entry) for entry in entries if isinstance(entry, AdapterError)]
    asked = [cast(int, call.subaccount) for call in calls]  # every child call names one
    return _gathered(account, asked, outcomes, errors)


def _failure(account: str, error: AdapterError, subaccount: int | None = None) -> FetchError:
    return FetchError(venue=VENUE, account=account, subaccount=subaccount, error=error)


def _whole_master(account: str) -> Plan[Gathered]:
    outcomes: list[Outcome[list[SubaccountBalance]]] = yield [endpoints.consolidated(account)]
    [answer] = outcomes
    if not isinstance(answer, AdapterError):
        return Gathered(balances=answer, errors=[])
    if answer.status not in FALLBACK_STATUSES:
        raise answer
    log.warning(
        "%s answered %s: reading the master's balance, its subaccount list and each child"
        " one request at a time instead",
        endpoints.CONSOLIDATED,
        answer.status,
    )
    master_call, list_call = endpoints.master_balance(account), endpoints.subaccounts(account)
    master, listed = yield [master_call, list_call]
    if isinstance(listed, AdapterError):
        raise listed
    children = [entry.subaccount for entry in listed if not entry.primary]
    calls = Calls(functools.partial(endpoints.child_balance, account), children)
    fetched: list[Outcome[SubaccountBalance]] = yield calls
    errors: list[FetchError] = []
    found: list[SubaccountBalance] = []
    if isinstance(master, AdapterError):
        errors.append(_failure(account, master))
    else:
        found.append(master)
    gathered = _gathered(account, children, fetched, errors)
    return Gathered(balances=found + gathered.balances, errors=gathered.errors)


def _gathered(
    account: str,
    children: list[int],
    outcomes: list[Outcome[SubaccountBalance]],
    errors: list[FetchError],
) -> Gathered:
    """The children's balances and failures, in the order asked (a loop run for every child
    of a whole master: the failures built straight into their slots)."""
    found: list[SubaccountBalance] = []
    keep, fail = found.append, errors.append
    for child, outcome in zip(children, outcomes, strict=True):
        if isinstance(outcome, AdapterError):
            fail(build_failure(VENUE, account, child, outcome))
        else:
            keep(outcome)
    return Gathered(balances=found, errors=errors)


def _entries(
    account: str, subaccount_ids: object
) -> tuple[list[Call[SubaccountBalance]], list[Entry]]:
    """One call per distinct valid id, and the ids in the order given: each entry is its
    call (shared by repeats of an id) or, for an id that cannot be asked for, the error
    saying why."""
    if isinstance(subaccount_ids, str | bytes) or not isinstance(subaccount_ids, Iterable):
        raise BadRequestError(
            "CoinSwitch subaccount ids must be a list of integers", account=account, venue=VENUE
        )
    calls: dict[int | None, Call[SubaccountBalance]] = {}
    entries: list[Entry] = []
    for subaccount_id in subaccount_ids:
        try:
            call = endpoints.child_balance(account, subaccount_id)
        except AdapterError as error:
            entries.append(error)
        else:
            entries.append(calls.setdefault(call.subaccount, call))
    return list(calls.values()), entries

"""The venue-free engine: it carries out the calls and plans that venues build.

    call.py       Call (one logical request) and Plan (calls in steps, no I/O)
    deadline.py   the call's deadline, and how it reaches rate limits, retries and sockets
    attempt.py    one HTTP attempt and what its status and body mean
    retry.py      retries: bounded attempts, full-jitter backoff, Retry-After
    ratelimit.py  a rate limiter shared by every thread and task of one account
    account.py    one account's runtime state; one call through bound, limiter and retries
    fanout.py     batches of calls at once, plans of several accounts side by side
    core.py       the balance clients' core: options checked, accounts built, plans run

Nothing here knows a venue: venues live in `adapter.venues`.
"""

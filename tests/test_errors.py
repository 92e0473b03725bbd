"""The error tree (`adapter.errors`): every failure is one of its classes, details and all."""

from __future__ import annotations

from adapter import errors as E


def test_errors_pickle_with_their_details() -> None:
    import pickle

    error = E.MalformedResponseError(
        "x is bad", field="x", venue="kalshi", endpoint="GET /", status=200
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.field, copy.venue, copy.status, str(copy)) == (
        E.MalformedResponseError,
        "x",
        "kalshi",
        200,
        str(error),
    )

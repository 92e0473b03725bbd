# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.consolidated_balance_response import ConsolidatedBalanceResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/dma/api/v1/master/balance/consolidated",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConsolidatedBalanceResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = ConsolidatedBalanceResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ConsolidatedBalanceResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ConsolidatedBalanceResponse | ErrorResponse]:
    """Get Consolidated Balance

     Returns, in one response, the balance of the calling master account (subaccount_id null, is_master
    true, is_active null) and of every subaccount (is_master null). Unlike the subaccount list, absent
    flags are sent as explicit nulls here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConsolidatedBalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ConsolidatedBalanceResponse | ErrorResponse | None:
    """Get Consolidated Balance

     Returns, in one response, the balance of the calling master account (subaccount_id null, is_master
    true, is_active null) and of every subaccount (is_master null). Unlike the subaccount list, absent
    flags are sent as explicit nulls here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConsolidatedBalanceResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ConsolidatedBalanceResponse | ErrorResponse]:
    """Get Consolidated Balance

     Returns, in one response, the balance of the calling master account (subaccount_id null, is_master
    true, is_active null) and of every subaccount (is_master null). Unlike the subaccount list, absent
    flags are sent as explicit nulls here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConsolidatedBalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ConsolidatedBalanceResponse | ErrorResponse | None:
    """Get Consolidated Balance

     Returns, in one response, the balance of the calling master account (subaccount_id null, is_master
    true, is_active null) and of every subaccount (is_master null). Unlike the subaccount list, absent
    flags are sent as explicit nulls here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConsolidatedBalanceResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed

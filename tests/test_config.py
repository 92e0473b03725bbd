"""Configuration: credentials and endpoints from the environment (`from_env`) and options,
base URLs above all, refused with a message that names what to fix and shows no secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

import adapter
import adapter.engine.attempt
from adapter.sandbox import Sandbox
from tests.fake_venues import CS_PUBLIC, CS_SECRET
from tests.properties import BUDGET
from tests.reliability import tally

BAD_BASE_URLS = {
    "query": ("https://kalshi.test/trade-api/v2?x=1", "query"),
    "empty-query": ("https://kalshi.test/trade-api/v2?", "query"),
    "fragment": ("https://kalshi.test/trade-api/v2#top", "fragment"),
    "empty-fragment": ("https://kalshi.test/trade-api/v2#", "fragment"),
    "query-and-fragment": ("https://kalshi.test/trade-api/v2?token=s3cret#x", "query"),
    "user-and-password": ("https://user:s3cret@kalshi.test/trade-api/v2", "user name"),
    "user": ("https://s3cret@kalshi.test/trade-api/v2", "user name"),
    "empty-userinfo": ("https://@kalshi.test/trade-api/v2", "user name"),
}


@pytest.mark.parametrize("case", sorted(BAD_BASE_URLS))
@pytest.mark.parametrize("venue", ["kalshi", "coinswitch"])
def test_base_url_option_with_query_fragment_or_userinfo_is_refused(
    sandbox: Sandbox, case: str, venue: str
) -> None:
    url, fragment = BAD_BASE_URLS[case]
    for make in (sandbox.client, sandbox.async_client):
        with pytest.raises(adapter.ConfigurationError) as caught:
            make(**{f"{venue}_base_url": url})
        message = str(caught.value)
        assert f"{venue} base URL" in message.replace("coinswitch_dma", "coinswitch")
        assert fragment in message and "s3cret" not in message
        tally("hardening cases tried")


@pytest.mark.parametrize("case", sorted(BAD_BASE_URLS))
@pytest.mark.parametrize("variable", ["KALSHI_BASE_URL", "COINSWITCH_DMA_BASE_URL"])
def test_base_url_variable_with_query_fragment_or_userinfo_is_refused(
    case: str, variable: str
) -> None:
    url, fragment = BAD_BASE_URLS[case]
    environ = {"COINSWITCH_API_KEY": CS_PUBLIC, "COINSWITCH_SECRET_KEY": CS_SECRET, variable: url}
    with pytest.raises(adapter.ConfigurationError) as caught:
        adapter.BalanceClient.from_env(environ)
    message = str(caught.value)
    assert variable in message and fragment in message and "s3cret" not in message
    tally("hardening cases tried")


base_urls = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "ftp", "HTTPS"]),
    st.sampled_from(["", "user@", "user:s3cret@", "@", ":s3cret@"]),
    st.sampled_from(["kalshi.test", "127.0.0.1:8080", "[::1]", ""]),
    st.sampled_from(["", "/", "/trade-api/v2", "/a%3Fb"]),
    st.sampled_from(["", "?", "?x=1", "?token=s3cret"]),
    st.sampled_from(["", "#", "#top"]),
)


@BUDGET
@given(url=st.one_of(base_urls, st.text(max_size=30)))
def test_a_base_url_is_a_plain_http_base_or_refused(url: str) -> None:
    environ = {"COINSWITCH_API_KEY": CS_PUBLIC, "COINSWITCH_SECRET_KEY": CS_SECRET}
    try:
        client = adapter.BalanceClient.from_env({**environ, "KALSHI_BASE_URL": url})
    except adapter.ConfigurationError as error:
        assert "KALSHI_BASE_URL" in error.message
        assert "s3cret" not in error.message or "://" not in url.strip()
        tally("property examples: base URLs")
        return
    client.close()
    if url.strip():  # else unset: the default
        parsed = httpx.URL(url.strip())
        assert parsed.scheme in ("http", "https") and parsed.host
        assert not ({"?", "#", "@"} & set(url)), url
    tally("property examples: base URLs")


def test_from_env(tmp_path: Path, rsa_pem: bytes) -> None:
    key = tmp_path / "kalshi.pem"
    key.write_bytes(rsa_pem)
    env = {
        "KALSHI_API_KEY_ID": "abc",
        "KALSHI_PRIVATE_KEY_PATH": str(key),
        "COINSWITCH_API_KEY": CS_PUBLIC,
        "COINSWITCH_SECRET_KEY": CS_SECRET,
        "KALSHI_BASE_URL": "https://demo-api.kalshi.co/trade-api/v2",
    }
    client = adapter.BalanceClient.from_env(env, timeout=3)
    assert client.venues == ("kalshi", "coinswitch_dma") and client.timeout == 3
    for empty in ({}, {"KALSHI_BASE_URL": "https://demo-api.kalshi.co/trade-api/v2"}):
        with pytest.raises(adapter.ConfigurationError) as caught:
            adapter.BalanceClient.from_env(empty)
        for name in ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH", "COINSWITCH_API_KEY"):
            assert name in caught.value.message
    with pytest.raises(adapter.ConfigurationError, match="no venue is configured"):
        adapter.AsyncBalanceClient()
    for missing in ("KALSHI_PRIVATE_KEY_PATH", "COINSWITCH_SECRET_KEY"):
        partial = {k: v for k, v in env.items() if k != missing}
        with pytest.raises(adapter.CredentialsError, match=missing):
            adapter.BalanceClient.from_env(partial)


def test_from_env_and_options_raise_configuration_errors() -> None:
    with pytest.raises(adapter.ConfigurationError, match="KALSHI_BASE_URL"):
        adapter.BalanceClient.from_env({"KALSHI_BASE_URL": "http://[::1"})
    with pytest.raises(adapter.ConfigurationError, match="kalshi must be a KalshiSigner"):
        adapter.BalanceClient(kalshi="not a signer")  # type: ignore[arg-type]
    with pytest.raises(adapter.ConfigurationError):
        adapter.BalanceClient(coinswitch_base_url="http://[::1")
    error = adapter.ConfigurationError("x")
    assert isinstance(error, adapter.AdapterError) and isinstance(error, ValueError)


def test_a_password_with_spaces_works_from_the_environment(tmp_path: Path, rsa_key: Any) -> None:
    path = tmp_path / "locked.pem"
    path.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b" secret pw "),
        )
    )
    env = {
        "KALSHI_API_KEY_ID": "key-id",
        "KALSHI_PRIVATE_KEY_PATH": str(path),
        "KALSHI_PRIVATE_KEY_PASSWORD": " secret pw ",
    }
    assert adapter.BalanceClient.from_env(env).venues == ("kalshi",)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.elections.kalshi..com/trade-api/v2",  # a doubled dot: an empty label
        "https://" + "a" * 64 + ".example/trade-api/v2",  # a label over 63 characters
        "http://xn--/trade-api/v2",
        "http://h\udcff.example/trade-api/v2",  # a byte that is not UTF-8, from the environment
    ],
    ids=["empty-label", "long-label", "bad-punycode", "surrogate"],
)
def test_a_host_no_resolver_takes_is_a_configuration_error(sandbox: Sandbox, url: str) -> None:
    with pytest.raises(adapter.ConfigurationError, match="kalshi base URL"):
        sandbox.client(kalshi_base_url=url)
    with pytest.raises(adapter.ConfigurationError, match="KALSHI_BASE_URL"):
        adapter.BalanceClient.from_env(
            {"COINSWITCH_API_KEY": "", "KALSHI_BASE_URL": url},
            coinswitch=sandbox.simulator("coinswitch_dma").signer(),
        )

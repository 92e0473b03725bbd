"""Regressions for problems an independent review of the code found."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

import adapter
from adapter.domain import BalanceReport, SubaccountBalance, Venue
from adapter.render import as_table


def test_table_totals_never_lose_or_refuse_digits() -> None:
    huge = "1" + "0" * 1000
    balances = [
        SubaccountBalance(
            venue=Venue.KALSHI, subaccount=n, primary=n == 0, currency="USD", balance=Decimal(b)
        )
        for n, b in ((0, huge), (1, "0.1"), (2, "0.000001"))
    ]
    table = as_table(BalanceReport(balances=balances, errors=[]))
    assert huge + ".100001" in table
    assert not re.search(r"[0-9]E[-+]?[0-9]", table)  # never exponent notation


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

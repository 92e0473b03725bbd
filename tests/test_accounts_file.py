"""The accounts file: found in the contract's order, every key of the example read, and
every mistake a ConfigurationError naming the file, the account and the key, with no
secret in it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import adapter
from adapter import config

SEED = ed25519.Ed25519PrivateKey.generate()
API_KEY = SEED.public_key().public_bytes_raw().hex()
SECRET = SEED.private_bytes_raw().hex()
PASSWORD = "correct horse"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    """A folder with a plain PEM, an encrypted PEM and a seed file, all 0600."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for name, encryption in (
        ("plain.pem", serialization.NoEncryption()),
        ("locked.pem", serialization.BestAvailableEncryption(PASSWORD.encode())),
    ):
        path = tmp_path / name
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        )
        path.chmod(0o600)
    seed = tmp_path / "seed"
    seed.write_text(SECRET + "\n")
    seed.chmod(0o600)
    return tmp_path


GOOD = f"""
[accounts.us-desk]
venue = "kalshi"
api_key_id = "desk-key"
private_key_path = "plain.pem"

[accounts.us-fund]
venue = "kalshi"
api_key_id = "fund-key"
private_key_path = "locked.pem"
private_key_password_env = "FUND_PASSWORD"
base_url = "https://demo-api.kalshi.co/trade-api/v2"
rate_limit = 5.5

[accounts.in-master]
venue = "coinswitch_dma"
api_key = "{API_KEY}"
secret_key_env = "IN_SECRET"
subaccounts = [1001, 1002]
rate_limit = false
"""
ENVIRON = {"FUND_PASSWORD": PASSWORD, "IN_SECRET": SECRET}


def write(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "accounts.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_every_key_of_the_example_is_read(keys: Path) -> None:
    loaded = config.load(write(keys, GOOD), ENVIRON)
    desk, fund, master = loaded.accounts
    assert [a.name for a in loaded.accounts] == ["us-desk", "us-fund", "in-master"]
    assert isinstance(desk, adapter.KalshiAccount) and desk.signer.key_id == "desk-key"
    assert desk.url == "https://api.elections.kalshi.com/trade-api/v2"
    assert desk.rate_limit == 20.0
    assert fund.url == "https://demo-api.kalshi.co/trade-api/v2" and fund.rate_limit == 5.5
    assert isinstance(master, adapter.CoinSwitchAccount)
    assert master.signer.api_key == API_KEY
    assert master.subaccounts == (1001, 1002) and master.rate_limit is None
    assert loaded.source.startswith("--config ") and loaded.path == keys / "accounts.toml"
    assert any("$FUND_PASSWORD" in line for line in loaded.tried)


def test_a_seed_by_file_or_inline_and_tilde_paths(keys: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(keys))
    text = f"""
[accounts.a]
venue = "coinswitch_dma"
api_key = "{API_KEY}"
secret_key_file = "~/seed"
[accounts.b]
venue = "kalshi"
api_key_id = "k"
private_key_path = "~/plain.pem"
[accounts.c]
venue = "coinswitch_dma"
api_key = "{API_KEY}"
secret_key = "{SECRET}"
base_url = "https://other.test"
"""
    loaded = config.load(write(keys, text), {})
    assert [a.name for a in loaded.accounts] == ["a", "b", "c"]


def test_found_in_the_contracts_order(keys: Path, monkeypatch: Any) -> None:
    path = write(keys, GOOD)
    other = keys / "other.toml"
    other.write_text(GOOD.replace("us-desk", "elsewhere"))
    environ = {**ENVIRON, config.CONFIG_VARIABLE: str(other)}
    assert config.load(path, environ).accounts[0].name == "us-desk"  # --config first
    assert config.load(None, environ).accounts[0].name == "elsewhere"  # then the variable
    monkeypatch.setattr(config, "default_config_path", lambda: path)
    assert config.load(None, ENVIRON).accounts[0].name == "us-desk"  # then the default
    monkeypatch.setattr(config, "default_config_path", lambda: keys / "absent.toml")
    from_environment = config.load(None, {})
    assert from_environment.accounts == () and from_environment.path is None


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_a_named_file_that_does_not_exist_never_falls_through(keys: Path, how: str) -> None:
    missing = keys / "missing.toml"
    environ = {"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(keys / "plain.pem")}
    with pytest.raises(adapter.ConfigurationError, match=r"missing\.toml does not exist"):
        if how == "flag":
            config.load(missing, environ)
        else:
            config.load(None, {**environ, config.CONFIG_VARIABLE: str(missing)})


def test_with_a_file_the_venue_variables_are_ignored_and_said_so(keys: Path) -> None:
    environ = {**ENVIRON, "KALSHI_API_KEY_ID": "x", "COINSWITCH_DMA_SUBACCOUNTS": "5"}
    loaded = config.load(write(keys, GOOD), environ)
    [line] = [w for w in loaded.warnings if w.startswith("ignoring")]
    assert "KALSHI_API_KEY_ID" in line and "COINSWITCH_DMA_SUBACCOUNTS" in line
    assert {a.name for a in loaded.accounts} == {"us-desk", "us-fund", "in-master"}


def test_key_files_others_may_read_get_a_warning(keys: Path) -> None:
    (keys / "plain.pem").chmod(0o644)
    loaded = config.load(write(keys, GOOD), ENVIRON)
    [warning] = [w for w in loaded.warnings if "plain.pem" in w]
    assert "chmod 600" in warning


def _mistake(keys: Path, replace: tuple[str, str] = ("", ""), append: str = "") -> str:
    old, new = replace
    return GOOD.replace(old, new) + append


MISTAKES = [
    (
        "unknown key",
        ('private_key_path = "plain.pem"', 'privte_key_path = "plain.pem"'),
        "",
        "us-desk",
        "privte_key_path: unknown key for a kalshi account (did you mean private_key_path?)",
    ),
    ("misspelt extra", ("", ""), "\nextra = 1\n", "in-master", "extra: unknown key"),
    ("missing key", ('api_key_id = "desk-key"\n', ""), "", "us-desk", "api_key_id: is missing"),
    (
        "wrong type",
        ("rate_limit = 5.5", 'rate_limit = "fast"'),
        "",
        "us-fund",
        "rate_limit: must be a number",
    ),
    (
        "ids",
        ("[1001, 1002]", '["1001"]'),
        "",
        "in-master",
        "subaccounts: must be a list of whole numbers",
    ),
    (
        "unset variable",
        ('secret_key_env = "IN_SECRET"', 'secret_key_env = "NOT_SET"'),
        "",
        "in-master",
        "the variable NOT_SET is not set",
    ),
    ("missing file", ('"locked.pem"', '"gone.pem"'), "", "us-fund", "private_key_path:"),
    (
        "wrong password",
        ('"FUND_PASSWORD"', '"IN_SECRET"'),
        "",
        "us-fund",
        "private_key_password_env:",
    ),
    (
        "two secrets",
        ('secret_key_env = "IN_SECRET"', 'secret_key_env = "IN_SECRET"\nsecret_key_file = "seed"'),
        "",
        "in-master",
        "exactly one way",
    ),
    ("no secret", ('secret_key_env = "IN_SECRET"\n', ""), "", "in-master", "exactly one way"),
    (
        "bad venue",
        ('venue = "kalshi"', 'venue = "kalshy"'),
        "",
        "us-desk",
        "'kalshy' is not a venue",
    ),
    (
        "bad url",
        ("https://demo-api.kalshi.co/trade-api/v2", "ftp://demo"),
        "",
        "us-fund",
        "base_url: must be an http",
    ),
    (
        "bad name",
        ("[accounts.us-desk]", '[accounts."us desk"]'),
        "",
        "us desk",
        "a name is 1-64 characters",
    ),
]


@pytest.mark.parametrize(
    ("replace", "append", "account", "message"),
    [m[1:] for m in MISTAKES],
    ids=[m[0] for m in MISTAKES],
)
def test_every_mistake_names_file_account_and_key_and_no_secret(
    keys: Path, replace: tuple[str, str], append: str, account: str, message: str
) -> None:
    path = write(keys, _mistake(keys, replace, append))
    with pytest.raises(adapter.ConfigurationError) as caught:
        config.load(path, ENVIRON)
    text = str(caught.value)
    assert str(path) in text and repr(account) in text and message in text, text
    assert SECRET not in text and PASSWORD not in text


def test_toml_that_does_not_parse_says_line_and_column(keys: Path) -> None:
    path = write(keys, GOOD + '\n[accounts.broken\nvenue = "kalshi"\n')
    with pytest.raises(adapter.ConfigurationError, match=r"line \d+, column \d+") as caught:
        config.load(path, ENVIRON)
    assert str(path) in str(caught.value)


def test_an_inline_secret_needs_a_file_only_its_owner_reads(keys: Path) -> None:
    inline = GOOD.replace('secret_key_env = "IN_SECRET"', f'secret_key = "{SECRET}"')
    for mode in (0o600, 0o400):
        config.load(write(keys, inline, mode), {"FUND_PASSWORD": PASSWORD})
        os.chmod(keys / "accounts.toml", 0o600)
    path = write(keys, inline, 0o640)
    with pytest.raises(adapter.ConfigurationError, match=f"chmod 600 {path}") as caught:
        config.load(path, {"FUND_PASSWORD": PASSWORD})
    assert SECRET not in str(caught.value) and "'in-master'" in str(caught.value)


def test_the_client_refuses_the_file_that_names_one_login_twice(keys: Path) -> None:
    again = '[accounts.again]\nvenue = "kalshi"\napi_key_id = "desk-key"\n'
    twice = f'{GOOD}\n{again}private_key_path = "plain.pem"\n'
    with pytest.raises(adapter.ConfigurationError, match="same credentials"):
        adapter.BalanceClient.from_config(write(keys, twice), ENVIRON)


def test_an_empty_file_or_other_top_level_keys_are_mistakes(keys: Path) -> None:
    with pytest.raises(adapter.ConfigurationError, match=r"no \[accounts\.NAME\] table"):
        config.load(write(keys, "# nothing\n"), {})
    with pytest.raises(adapter.ConfigurationError, match="unknown key 'account'"):
        config.load(write(keys, '[account.a]\nvenue = "kalshi"\n'), {})

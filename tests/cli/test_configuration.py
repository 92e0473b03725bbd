"""How the command is configured: the environment a desk sets, flags over it, and every
mistake in either exiting 2 with a message that names what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.sandbox import Sandbox
from tests.cli.command import check_sample_json, run
from tests.fake_venues import CS_PUBLIC, CS_SECRET
from tests.reliability import tally


@pytest.mark.parametrize(
    ("args", "env", "complaint"),
    [
        ((), {}, "KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"),
        ((), {}, "--sandbox"),
        ((), {"KALSHI_API_KEY_ID": "abc"}, "KALSHI_PRIVATE_KEY_PATH is not set"),
        (
            (),
            {"KALSHI_API_KEY_ID": "abc", "KALSHI_PRIVATE_KEY_PATH": "/nonexistent.pem"},
            "cannot read",
        ),
        (
            (),
            {"COINSWITCH_API_KEY": "ab" * 32, "COINSWITCH_SECRET_KEY": "cd" * 32},
            "not the public key",
        ),
        (("--format", "xml"), {}, "invalid choice: 'xml'"),
        (("--subaccount", "abc"), {}, "not a subaccount id"),
        (("--timeout", "-3"), {}, "--timeout"),
        (("--bogus",), {}, "unrecognized arguments: --bogus"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    args: tuple[str, ...], env: dict[str, str], complaint: str
) -> None:
    result = run(*args, env=env)
    assert result.returncode == 2, result
    assert complaint in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_configured_from_the_environment(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, env = live_like
    result = run("--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    check_sample_json(json.loads(result.stdout), [1003, 1001], simulated=False)
    assert result.stderr == "", "no banner and no warning for a real configuration"
    assert sandbox.requests == 3


def test_subaccount_flag_overrides_the_environment(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    result = run("--format", "json", "--venue", "coinswitch_dma", "--subaccount", "1002", env=env)
    assert result.returncode == 0, result.stderr
    check_sample_json(json.loads(result.stdout), [1002], kalshi_ids=(), simulated=False)


def test_coinswitch_without_ids_reads_the_whole_master(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    sandbox, env = live_like
    for unset in ("", " "):
        env["COINSWITCH_DMA_SUBACCOUNTS"] = unset
        sandbox.reset_counters()
        result = run("--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        check_sample_json(json.loads(result.stdout), [None, 1001, 1002, 1003], simulated=False)
        targets = [seen.target for seen in sandbox.log if seen.venue == "coinswitch_dma"]
        assert targets == ["/dma/api/v1/master/balance/consolidated"]


def test_warns_about_a_readable_key_file(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = live_like
    Path(env["KALSHI_PRIVATE_KEY_PATH"]).chmod(0o644)
    result = run("--venue", "kalshi", env=env)
    assert result.returncode == 0
    assert "accessible by group or others" in result.stderr and "chmod 600" in result.stderr


def test_one_venue_down_exits_1(live_like: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = live_like
    env["KALSHI_BASE_URL"] = "http://127.0.0.1:9/trade-api/v2"  # nothing listens there
    result = run("--format", "csv", "--timeout", "2", env=env)
    assert result.returncode == 1
    assert result.stdout.count("coinswitch_dma,") == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: kalshi GET /portfolio/subaccounts/balances")


def test_subaccounts_of_a_venue_without_keys_is_a_configuration_error(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    for name in ("COINSWITCH_API_KEY", "COINSWITCH_SECRET_KEY"):
        del env[name]
    result = run("--format", "csv", env=env)  # Kalshi keys, CoinSwitch ids, no CoinSwitch keys
    assert result.returncode == 2, result
    assert "COINSWITCH_DMA_SUBACCOUNTS" in result.stderr
    assert "COINSWITCH_API_KEY" in result.stderr and "COINSWITCH_SECRET_KEY" in result.stderr
    assert result.stdout == ""
    result = run("--subaccount", "1001", env={**env, "COINSWITCH_DMA_SUBACCOUNTS": ""})
    assert result.returncode == 2 and "--subaccount" in result.stderr
    del env["COINSWITCH_DMA_SUBACCOUNTS"]
    assert run(env=env).returncode == 0, "Kalshi alone, nothing named elsewhere: fine"


def test_a_venue_with_nothing_fetched_still_shows_in_totals(
    live_like: tuple[Sandbox, dict[str, str]],
) -> None:
    _, env = live_like
    env["KALSHI_BASE_URL"] = "http://127.0.0.1:9/trade-api/v2"  # nothing listens there
    result = run("--timeout", "2", env=env)
    assert result.returncode == 1
    totals = result.stdout.split("TOTALS")[1]
    [kalshi] = [line for line in totals.splitlines() if line.startswith("kalshi")]
    assert kalshi.split()[:4] == ["kalshi", "-", "0", "-"]
    assert kalshi.endswith("incomplete: 1 could not be fetched")


def test_key_problems_name_the_variable_to_fix(desk_env: dict[str, str], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    public = tmp_path / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    cases = [
        (
            {"KALSHI_PRIVATE_KEY_PATH": str(locked), "KALSHI_PRIVATE_KEY_PASSWORD": "wrong"},
            ["wrong password", "KALSHI_PRIVATE_KEY_PASSWORD"],
        ),
        ({"KALSHI_PRIVATE_KEY_PATH": str(public)}, ["public key", "KALSHI_PRIVATE_KEY_PATH"]),
        (
            {"COINSWITCH_SECRET_KEY": desk_env["COINSWITCH_SECRET_KEY"][:-1]},
            ["has 63 characters", "COINSWITCH_SECRET_KEY"],
        ),
        ({"KALSHI_API_KEY_ID": "has spaces in it"}, ["KALSHI_API_KEY_ID"]),
    ]
    for change, words in cases:
        result = run(env={**desk_env, **change})
        assert result.returncode == 2, result
        for word in words:
            assert word in result.stderr, (word, result.stderr)


def test_a_key_path_may_start_with_a_tilde(desk_env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    Path(desk_env["KALSHI_PRIVATE_KEY_PATH"]).rename(home / "kalshi.pem")
    env = {**desk_env, "HOME": str(home), "KALSHI_PRIVATE_KEY_PATH": "~/kalshi.pem"}
    result = run("--venue", "kalshi", env=env)
    assert result.returncode == 0, result.stderr
    (home / "kalshi.pem").chmod(0o644)
    assert "chmod 600" in run("--venue", "kalshi", env=env).stderr


COINSWITCH_ENV = {
    "COINSWITCH_API_KEY": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "COINSWITCH_SECRET_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "COINSWITCH_DMA_SUBACCOUNTS": "1001",
}


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"COINSWITCH_DMA_BASE_URL": "ftp://x"}, "COINSWITCH_DMA_BASE_URL must be an http(s) URL"),
        ({"COINSWITCH_DMA_BASE_URL": "http://[::1"}, "COINSWITCH_DMA_BASE_URL is not a URL"),
        ({"COINSWITCH_DMA_SUBACCOUNTS": "1" * 4301}, "COINSWITCH_DMA_SUBACCOUNTS must be"),
    ],
)
def test_bad_environment_values_exit_2_naming_the_variable(
    env: dict[str, str], complaint: str
) -> None:
    result = run(env={**COINSWITCH_ENV, **env})
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("history", "--since", "999999999w"), "not a duration"),
        (("--sandbox", "--output", "/nonexistent-dir/x.prom"), "no writable directory"),
        (("--sandbox", "--output", "/tmp"), "is a directory"),
    ],
)
def test_bad_values_are_usage_errors_before_anything_is_fetched(
    args: tuple[str, ...], complaint: str
) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr and "unexpected" not in result.stderr
    assert "SIMULATED" not in result.stderr, "refused before the sandbox even started"


def test_a_bad_coinswitch_id_variable_does_not_matter_when_coinswitch_is_not_read(
    tmp_path: object,
) -> None:
    with Sandbox.demo() as sandbox:
        env = sandbox.environment(Path(str(tmp_path)))
        env["COINSWITCH_DMA_SUBACCOUNTS"] = "not-an-id"
        assert run("--venue", "kalshi", env=env).returncode == 0
        assert run(env=env).returncode == 2  # read: the variable must be right


def test_cli_refuses_a_base_url_with_a_password_without_printing_it() -> None:
    env = {
        "COINSWITCH_API_KEY": CS_PUBLIC,
        "COINSWITCH_SECRET_KEY": CS_SECRET,
        "COINSWITCH_DMA_SUBACCOUNTS": "1001",
        "COINSWITCH_DMA_BASE_URL": "http://desk:s3cret@127.0.0.1:9",  # nothing listens there
    }
    result = run("--timeout", "1", "--debug", env=env)
    assert result.returncode == 2, result.stderr
    assert "COINSWITCH_DMA_BASE_URL" in result.stderr and "user name" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    tally("hardening cases tried")

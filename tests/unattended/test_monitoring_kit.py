"""monitoring/ checked by promtool and systemd-analyze: the Prometheus config, the alerts and
their unit tests (each alert broken in turn), the systemd unit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unattended.monitoring_files import (
    ALERTS,
    KIT,
    RequireTool,
    alerts,
    run,
    uncommented,
)


@pytest.fixture
def promtool(require_tool: RequireTool) -> str:
    return require_tool("promtool", package="prometheus")


# promtool ---------------------------------------------------------------------------


def test_promtool_accepts_the_config_and_its_rules(promtool: str) -> None:
    config = run(promtool, "check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    assert "SUCCESS: 5 rules found" in config.stdout, "the config's rule_files hold the alerts"
    rules = run(promtool, "check", "rules", "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr

    settings = yaml.safe_load((KIT / "prometheus.yml").read_text())
    assert settings["rule_files"] == ["alerts.yml"]
    (job,) = settings["scrape_configs"]
    assert job["job_name"] == "venue-balances"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:9464"]}]


def test_the_commented_tls_and_basic_auth_scrape_is_valid_once_uncommented(
    promtool: str, tmp_path: Path
) -> None:
    """What prometheus.yml shows for an exporter run with --web-config, uncommented as a
    desk would, is a scrape config Prometheus takes (test_prometheus_scrape.py scrapes
    serve --web-config with it)."""
    (tmp_path / "prometheus.yml").write_text(uncommented((KIT / "prometheus.yml").read_text()))
    shutil.copy(KIT / "alerts.yml", tmp_path)
    result = run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (job,) = yaml.safe_load((tmp_path / "prometheus.yml").read_text())["scrape_configs"]
    assert job["scheme"] == "https"
    assert set(job["tls_config"]) >= {"ca_file"}
    assert set(job["basic_auth"]) == {"username", "password_file"}, "never a password inline"


def test_the_alerts_are_the_contracts_five_and_each_says_what_to_do() -> None:
    rules = alerts()
    assert sorted(rule["alert"] for rule in rules) == sorted(ALERTS)
    for rule in rules:
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert set(rule["annotations"]) == {"summary", "description"}, rule["alert"]
    exporter_down = next(r for r in rules if r["alert"] == "VenueBalancesExporterDown")
    assert exporter_down["expr"].count('up{job="venue-balances"}') == 2
    assert 'absent(up{job="venue-balances"})' in exporter_down["expr"]


def test_promtool_unit_tests_of_the_alerts_pass(promtool: str) -> None:
    result = run(promtool, "test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (KIT / "alerts.test.yml").read_text()))
    assert tested == ALERTS


FLIPPED = {"==": "!=", "!=": "==", ">": "<=", "<=": ">", "<": ">=", ">=": "<"}


def broken(expr: str) -> Iterator[tuple[str, str]]:
    """(what was broken, the broken expression) for each way of breaking `expr`: each
    comparison flipped, each number doubled and halved, each `or` branch and each set of
    label matchers dropped, and the whole replaced by one that never fires."""
    for match in re.finditer(r"(?<=\s)(==|!=|>=|<=|>|<)(?=\s)", expr):
        flipped = FLIPPED[match.group()]
        yield f"{match.group()} as {flipped}", splice(expr, match, flipped)
    for match in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", expr):
        for factor in (Decimal(2), Decimal("0.5")):
            if (number := Decimal(match.group()) * factor) != Decimal(match.group()):
                yield f"{match.group()} as {number}", splice(expr, match, format(number, "f"))
    branches = expr.split(" or ")
    for dropped in range(len(branches) if len(branches) > 1 else 0):
        kept = " or ".join(b for i, b in enumerate(branches) if i != dropped)
        yield f"without {branches[dropped]}", kept
    for match in re.finditer(r"\{[^}]*\}", expr):
        yield f"without {match.group()}", splice(expr, match, "")
    yield "never firing", "vector(1) == 0"


def splice(text: str, match: re.Match[str], new: str) -> str:
    return text[: match.start()] + new + text[match.end() :]


def test_every_alert_fails_its_tests_when_its_expression_is_broken(
    promtool: str, tmp_path: Path
) -> None:
    """Each broken copy of alerts.yml sits in a directory of its own with the tests of the
    alert it broke, which must then fail; an untouched copy with every test must pass.
    Two promtool runs, one per core, take all the copies (one run each would cost seconds)."""
    rules = alerts()
    suite = yaml.safe_load((KIT / "alerts.test.yml").read_text())
    write_kit(tmp_path / "untouched", rules, suite)
    cases: dict[str, tuple[str, str]] = {}  # directory: (alert, what was broken)
    for index, rule in enumerate(rules):
        alert, expr = rule["alert"], rule["expr"]
        mutants = {text: how for how, text in broken(expr) if text != expr}
        assert mutants, alert
        own = [g for g in suite["tests"] if alert in {t["alertname"] for t in g["alert_rule_test"]}]
        for text, how in mutants.items():
            directory = f"{index}-{len(cases)}"
            cases[directory] = (alert, how)
            copy = [{**r, "expr": text} if r is rule else r for r in rules]
            write_kit(tmp_path / directory, copy, {**suite, "tests": own})
    assert len(cases) >= 2 * len(ALERTS)

    directories = ["untouched", *cases]
    runs = [
        subprocess.Popen(
            [promtool, "test", "rules", *(f"{d}/alerts.test.yml" for d in directories[half::2])],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # failures go to stderr: one pipe keeps them in place
            text=True,
        )
        for half in (0, 1)
    ]
    output = "".join(process.communicate(timeout=60)[0] for process in runs)
    sections = {
        section.split()[0].split("/")[0]: section for section in output.split("Unit Testing:")[1:]
    }
    assert set(sections) == set(directories), output
    assert "SUCCESS" in sections["untouched"], sections["untouched"]
    survivors = [
        f"{alert} with {how}"
        for directory, (alert, how) in cases.items()
        if f"alertname: {alert}," not in sections[directory]
    ]
    assert survivors == [], "these broken alerts pass their tests (or fail on something else)"


def write_kit(directory: Path, rules: list[dict[str, Any]], suite: dict[str, Any]) -> None:
    directory.mkdir()
    groups = {"groups": [{"name": "venue-balances", "rules": rules}]}
    (directory / "alerts.yml").write_text(yaml.safe_dump(groups, sort_keys=False))
    (directory / "alerts.test.yml").write_text(yaml.safe_dump(suite, sort_keys=False))


# systemd ------------------------------------------------------------------------------


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    """The unit, pointed at a program that exists here (verify checks ExecStart's)."""
    text = (KIT / "venue-balances.service").read_text()
    (exec_start,) = re.findall(r"(?m)^ExecStart=(\S+) (.*)$", text)
    assert exec_start == (
        "/opt/venue-balances/bin/venue-balances",
        "serve --config /etc/venue-balances/accounts.toml"
        " --record /var/lib/venue-balances/history.sqlite3",
    )
    copy = tmp_path / "venue-balances.service"
    copy.write_text(text.replace(exec_start[0], sys.executable))
    return copy


def systemd_analyze() -> str:
    """systemd-analyze, or a skip: it comes with systemd, which containers often lack, and
    .ci/run does not install it."""
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    return path


def test_systemd_verifies_the_unit(unit: Path) -> None:
    analyze = systemd_analyze()
    result = run(analyze, "verify", unit, cwd=unit.parent)
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if unit.name in line
    ]
    assert result.returncode == 0 and complaints == [], result.stdout + result.stderr

    # verify exits 0 on an unknown setting and only says so: make sure it would be seen.
    unit.write_text(unit.read_text().replace("ProtectSystem=", "ProtectSystm="))
    misspelt = run(analyze, "verify", unit, cwd=unit.parent)
    assert "ProtectSystm" in misspelt.stdout + misspelt.stderr


def test_the_unit_keeps_secrets_out_and_the_service_locked_down(unit: Path) -> None:
    text = (KIT / "venue-balances.service").read_text()
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    for inline in ("Environment", "SetCredential", "SetCredentialEncrypted"):
        assert inline not in settings, "credentials come from files, never the unit"
    assert settings["LoadCredential"] == ["keys:/etc/venue-balances/keys"]
    assert settings["DynamicUser"] == ["yes"] and "User" not in settings
    assert settings["StateDirectory"] == ["venue-balances"]
    assert settings["Restart"] == ["on-failure"]
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "RestrictSUIDSGID"):
        assert settings[hardening] == ["yes"], hardening
    assert settings["ProtectSystem"] == ["strict"]

    analyze = systemd_analyze()
    if "--offline" not in run(analyze, "security", "--help").stdout:
        pytest.skip("this systemd-analyze cannot review a unit file offline (systemd < 250)")
    review = run(analyze, "security", "--offline=true", unit, cwd=unit.parent)
    level = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", review.stdout)
    assert level, review.stdout + review.stderr
    assert float(level.group(1)) <= 2.0, review.stdout

"""monitoring/ checked with the tools a desk runs it with: promtool, Prometheus, systemd-analyze."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "monitoring"
BIN = Path(sys.executable).parent / "venue-balances"
CLEAN_ENV = {
    name: value
    for name, value in os.environ.items()
    if not name.startswith(("KALSHI_", "COINSWITCH_", "VENUE_BALANCES_"))
}
ALERTS = {
    "VenueBalancesDown",
    "VenueBalancesStale",
    "VenueBalancesBelowMinimum",
    "VenueBalancesSimulated",
    "VenueBalancesExporterDown",
}
TARGET_LABELS = {"job", "instance"}
"""What Prometheus adds to every series it scrapes."""

ACCOUNT = "account"
"""The label the contract's v3 gives every per-account family (a colleague is adding it)."""

PER_ACCOUNT = ("balance", "portfolio_value", "asset_equity", "up", "last_success", "fetch_errors")
"""The families (venue_balances_...) that carry `account`."""

RequireTool = Callable[..., str]


def alerts() -> list[dict[str, Any]]:
    (group,) = yaml.safe_load((KIT / "alerts.yml").read_text())["groups"]
    assert group["name"] == "venue-balances"
    rules: list[dict[str, Any]] = group["rules"]
    return rules


@pytest.fixture
def promtool(require_tool: RequireTool) -> str:
    return require_tool("promtool", package="prometheus")


def run(*command: str | Path, cwd: Path = KIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=60
    )


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
    desk would, is a scrape config Prometheus takes."""
    text = (KIT / "prometheus.yml").read_text()
    before, marker, after = text.partition("uncomment")
    assert marker, "prometheus.yml shows the https scrape, commented out"
    uncommented = re.sub(r"(?m)^(\s*)# (?=\s*\w+:)", r"\1", after)
    (tmp_path / "prometheus.yml").write_text(before + marker + uncommented)
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


# what the exporter exports ----------------------------------------------------------


EVERY = ("--positions", "--min", "kalshi:total=1")
"""Options that turn on the families a plain run leaves out (portfolio_value, below_minimum)."""


@pytest.fixture(scope="module")
def exported() -> dict[str, set[str]]:
    """{sample name: its label names}, from the exporter's own output with every family on."""
    result = subprocess.run(
        [str(BIN), "--sandbox", "--format", "prometheus", *EVERY],
        capture_output=True,
        text=True,
        timeout=60,
        env=CLEAN_ENV,
    )
    assert result.returncode == 0, result.stderr
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(result.stdout):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    assert "venue_balances_balance" in names and "venue_balances_below_minimum" in names
    return names


PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
PROMQL_WORDS |= {"and", "or", "unless"}


def named_in(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) a PromQL expression names, found without a parser: good
    enough for the expressions of this kit, whose strings hold no braces."""
    labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"", expr))
    for grouping in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        labels |= {label.strip() for label in grouping.split(",") if label.strip()}
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", bare)
    bare = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    words = re.findall(r"(?<![\w.$])([A-Za-z_:][\w:]*)\b(?!\s*\()", bare)
    return {word for word in words if word not in PROMQL_WORDS}, labels


def test_named_in_finds_metrics_and_labels() -> None:
    metrics, labels = named_in(
        'sum by (account, kind) (increase(venue_balances_fetch_errors_total{account=~"$a"}'
        '[$__rate_interval])) > 0 or absent(up{job="x"})'
    )
    assert metrics == {"venue_balances_fetch_errors_total", "up"}
    assert labels == {"account", "kind", "job"}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((KIT / "grafana-dashboard.json").read_text())
    return loaded


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its own


def dashboard_queries(board: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in panels(board) for target in panel.get("targets", [])]


def test_the_dashboard_names_only_what_the_exporter_exports(
    exported: dict[str, set[str]],
) -> None:
    board = dashboard()
    exprs = dashboard_queries(board)
    assert len(exprs) >= 10
    variables = {v["name"]: v for v in board["templating"]["list"]}
    label_values = re.fullmatch(r"label_values\((\w+), *(\w+)\)", variables[ACCOUNT]["query"])
    assert label_values, variables[ACCOUNT]["query"]
    assert label_values.group(2) == ACCOUNT
    exprs.append(label_values.group(1))

    allowed_labels = set().union(*exported.values()) | TARGET_LABELS | {ACCOUNT}
    for expr in exprs:
        metrics, labels = named_in(expr)
        assert metrics and metrics <= set(exported), (expr, metrics - set(exported))
        assert labels <= allowed_labels, (expr, labels - allowed_labels)
    for legend in {t.get("legendFormat", "") for p in panels(board) for t in p.get("targets", [])}:
        assert set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend)) <= allowed_labels, legend
    shown = {name for expr in exprs for name in named_in(expr)[0]}
    assert shown == {name for name in exported if name.startswith("venue_balances_")}, (
        "every family the exporter exports has a panel"
    )


def test_the_alerts_name_only_what_the_exporter_exports(exported: dict[str, set[str]]) -> None:
    allowed_labels = set().union(*exported.values()) | TARGET_LABELS
    for rule in alerts():
        metrics, labels = named_in(rule["expr"])
        assert metrics <= set(exported) | {"up"}, (rule["alert"], metrics)
        assert labels <= allowed_labels, (rule["alert"], labels)
        templated = set(re.findall(r"\$labels\.(\w+)", json.dumps(rule["annotations"])))
        assert templated <= allowed_labels | {ACCOUNT}, (rule["alert"], templated)


def test_the_dashboard_imports_into_any_grafana_and_has_an_account_variable() -> None:
    board = dashboard()
    assert "id" not in board, "an id belongs to one Grafana's database"
    assert board["uid"] == "venue-balances" and board["schemaVersion"] >= 39
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    account = variables[ACCOUNT]
    assert account["type"] == "query" and account["multi"] and account["includeAll"]
    assert account["allValue"] == ".*", "All also matches series from before the account label"

    def datasources(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if "datasource" in node:
                yield node["datasource"]
            for value in node.values():
                yield from datasources(value)
        elif isinstance(node, list):
            for value in node:
                yield from datasources(value)

    used = [*datasources(board["panels"]), account["datasource"]]
    assert used and all(d == {"type": "prometheus", "uid": "${datasource}"} for d in used)
    for panel in panels(board):
        for target in panel.get("targets", []):
            if any(f"venue_balances_{family}" in target["expr"] for family in PER_ACCOUNT):
                assert 'account=~"$account"' in target["expr"], panel["title"]


# a real Prometheus --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api(port: int, path: str, **query: str) -> Any:
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)["data"]


def test_a_real_prometheus_scrapes_serve_and_evaluates_the_alerts(
    require_tool: RequireTool, tmp_path: Path
) -> None:
    """prometheus.yml and alerts.yml as committed, but scraping and evaluating every second
    and aimed at `serve --sandbox` on a free port; then every query of the dashboard, asked
    of that Prometheus as Grafana would with every account selected. Most of the time is
    Prometheus' own: it hands new targets to its scraper every 5 s."""
    prometheus = require_tool("prometheus")
    exporter, web = free_port(), free_port()
    settings = yaml.safe_load((KIT / "prometheus.yml").read_text())
    settings["global"].update(scrape_interval="1s", evaluation_interval="1s")
    settings["scrape_configs"][0]["static_configs"] = [{"targets": [f"127.0.0.1:{exporter}"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(settings))
    shutil.copy(KIT / "alerts.yml", tmp_path)

    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("serve", "prometheus")}
    processes = {
        "serve": subprocess.Popen(
            [BIN, "serve", "--sandbox", "--listen", f"127.0.0.1:{exporter}", "--no-record", *EVERY],
            stdout=logs["serve"],
            stderr=subprocess.STDOUT,
            env=CLEAN_ENV,
        ),
        "prometheus": subprocess.Popen(
            [
                prometheus,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{web}",
                "--log.level=warn",
            ],
            stdout=logs["prometheus"],
            stderr=subprocess.STDOUT,
        ),
    }
    seen: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 30  # about 5 s here; generous for a busy machine
        while time.monotonic() < deadline and all(p.poll() is None for p in processes.values()):
            try:
                seen = {
                    "up": api(web, "query", query='up{job="venue-balances"}')["result"],
                    "balances": api(web, "query", query="venue_balances_balance")["result"],
                    "rules": api(web, "rules")["groups"],
                    "alerts": api(web, "alerts")["alerts"],
                }
            except OSError:
                pass
            else:
                pending = {alert["labels"]["alertname"] for alert in seen["alerts"]}
                # VenueBalancesExporterDown is pending until the first scrape.
                if (
                    seen["up"]
                    and pending == {"VenueBalancesSimulated"}
                    and all(
                        rule["health"] == "ok" for group in seen["rules"] for rule in group["rules"]
                    )
                ):
                    break
            time.sleep(0.2)
        if seen:
            seen["dashboard"] = {
                expr: api(web, "query", query=grafana(expr))["result"]
                for expr in dashboard_queries(dashboard())
            }
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs.values():
            log.close()
    output = {name: (tmp_path / f"{name}.log").read_text() for name in logs}
    assert seen, output

    assert [sample["value"][1] for sample in seen["up"]] == ["1"], output
    kalshi_primary = [
        sample["value"][1]
        for sample in seen["balances"]
        if sample["metric"].get("venue") == "kalshi" and sample["metric"]["subaccount"] == "0"
    ]
    assert kalshi_primary == ["1500.25"], seen["balances"]
    (group,) = seen["rules"]
    assert group["name"] == "venue-balances"
    assert {rule["name"] for rule in group["rules"]} == ALERTS
    assert all(rule["health"] == "ok" for rule in group["rules"]), group["rules"]
    # The sandbox's own numbers are the one thing wrong with this exporter.
    assert [(a["labels"]["alertname"], a["state"]) for a in seen["alerts"]] == [
        ("VenueBalancesSimulated", "pending")
    ]
    assert processes["serve"].returncode == 0, output["serve"]

    empty = [expr for expr, result in seen["dashboard"].items() if not result]
    # Errors are counted by increase() and shown only above 0: none here.
    assert empty == [next(e for e in seen["dashboard"] if "fetch_errors" in e)]


def grafana(expr: str) -> str:
    """A dashboard query as Grafana sends it with every account selected."""
    return expr.replace("$account", ".*").replace("$__rate_interval", "4s")


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

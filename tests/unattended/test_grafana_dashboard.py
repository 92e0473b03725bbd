"""monitoring/grafana-dashboard.json and alerts.yml name only what the exporter exports; the
dashboard imports into any Grafana."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.unattended.monitoring_files import (
    ACCOUNT,
    BIN,
    CLEAN_ENV,
    EVERY,
    PER_ACCOUNT,
    TARGET_LABELS,
    alerts,
    dashboard,
    dashboard_queries,
    panels,
)


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

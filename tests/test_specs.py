"""The specs are valid, Kalshi's is untouched, and every documented body parses."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
PACKAGES = {
    "kalshi-get-all-subaccount-balances.yaml": "venue_balances_kalshi",
    "kalshi-get-balance.yaml": "venue_balances_kalshi",
    "coinswitch-dma.yaml": "venue_balances_coinswitch_dma",
}
KALSHI = sorted(name for name in PACKAGES if name.startswith("kalshi-"))


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SPECS / name).read_text(encoding="utf-8"))
    return document


def load_regenerate() -> Any:
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "scripts" / "regenerate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_spec_file_is_listed() -> None:
    assert sorted(path.name for path in SPECS.glob("*.yaml")) == sorted(PACKAGES)
    clients = load_regenerate().CLIENTS
    assert {name: package for package, names in clients.items() for name in names} == PACKAGES


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_spec_is_valid_openapi(name: str) -> None:
    validate(load(name))


@pytest.mark.parametrize("package", sorted(set(PACKAGES.values())))
def test_merged_document_is_valid_openapi(package: str) -> None:
    regenerate = load_regenerate()
    names = regenerate.CLIENTS[package]
    validate(regenerate.merge([(name, regenerate.load(SPECS / name)) for name in names]))


def recorded_sha256() -> dict[str, str]:
    """specs/README.md's provenance table: file name -> sha256."""
    rows = re.findall(
        r"^\| `([^`]+\.yaml)` \|.*`([0-9a-f]{64})`", (SPECS / "README.md").read_text("utf-8"), re.M
    )
    return dict(rows)


def test_kalshi_specs_are_the_recorded_text() -> None:
    recorded = recorded_sha256()
    assert sorted(recorded) == KALSHI, "every Kalshi spec file has one row in specs/README.md"
    for name in KALSHI:
        assert hashlib.sha256((SPECS / name).read_bytes()).hexdigest() == recorded[name], name


def test_kalshi_specs_are_one_revision() -> None:
    versions = {load(name)["info"]["version"] for name in KALSHI}
    assert versions == {"3.28.0"}


def walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += walk(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_no_amount_is_a_number(name: str) -> None:
    numbers = [path for path, node in walk(load(name)) if node.get("type") == "number"]
    assert numbers == []


def test_coinswitch_amounts_and_rate_are_strings() -> None:
    schemas = load("coinswitch-dma.yaml")["components"]["schemas"]
    amounts = {
        "BalanceDetail": ["totalEquity", "totalEquityINR"],
        "CoinBalance": [
            "equity",
            "equityINR",
            "walletBalance",
            "walletBalanceINR",
            "unrealisedPnl",
            "unrealisedPnlINR",
        ],
        "SubaccountBalanceData": ["usdt_inr_rate"],
    }
    for schema, fields in amounts.items():
        for field in fields:
            assert schemas[schema]["properties"][field]["type"] == "string", (schema, field)
    assert schemas["BalanceDetail"]["additionalProperties"] is True
    assert schemas["CoinBalance"]["additionalProperties"] is True
    assert schemas["CoinBalance"]["required"] == ["coin", "equity"]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def example_of(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The schema's documented example, or one built from the examples of its parts."""
    schema = resolve(document, schema)
    if "example" in schema:
        return schema["example"]
    kind = schema.get("type")
    if kind == "object":
        return {
            key: example_of(document, value) for key, value in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example_of(document, schema["items"])]
    return {"string": "text", "integer": 1700000000, "boolean": True}[kind]


def documented_bodies(name: str) -> list[tuple[str, str, str, Any]]:
    """(operation id, status, schema name, example body) for every documented response."""
    document = load(name)
    bodies = []
    for methods in document["paths"].values():
        for operation in methods.values():
            for status, response in operation["responses"].items():
                media = resolve(document, response)["content"]["application/json"]
                schema_name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                body = media.get("example", example_of(document, media["schema"]))
                bodies.append((operation["operationId"], status, schema_name, body))
    return bodies


CASES = [(name, *body) for name in sorted(PACKAGES) for body in documented_bodies(name)]


@pytest.mark.parametrize(("name", "operation", "status", "schema_name", "body"), CASES)
def test_documented_body_parses_with_generated_model(
    name: str, operation: str, status: str, schema_name: str, body: Any
) -> None:
    package = importlib.import_module(f"{PACKAGES[name]}.models")
    model = getattr(package, schema_name).from_dict(body)
    assert model.to_dict() == body


def test_every_operation_has_success_and_error_bodies() -> None:
    statuses: dict[tuple[str, str], set[str]] = {}
    for name, operation, status, *_ in CASES:
        statuses.setdefault((name, operation), set()).add(status)
    assert statuses.keys() == {
        ("kalshi-get-all-subaccount-balances.yaml", "GetSubaccountBalances"),
        ("kalshi-get-balance.yaml", "GetBalance"),
        ("coinswitch-dma.yaml", "getSubaccountBalance"),
    }
    for (name, operation), found in statuses.items():
        if name.startswith("kalshi-"):
            assert found == {"200", "401", "500"}, operation
        else:
            assert found == {"200", "400", "401", "403", "404", "429", "500"}, operation

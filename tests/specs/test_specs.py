"""The specs are valid, Kalshi's are untouched, and every documented body parses."""

from __future__ import annotations

import hashlib
import importlib
import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from tests.paths import ROOT
from tests.specs.test_regenerate import load_regenerate

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


def test_every_spec_file_is_listed() -> None:
    assert sorted(path.name for path in SPECS.glob("*.yaml")) == sorted(PACKAGES)
    clients = load_regenerate().CLIENTS
    assert {name: package for package, names in clients.items() for name in names} == PACKAGES


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_spec_is_valid_openapi(name: str) -> None:
    validate(load(name))


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
        "MasterBalanceData": ["usdt_inr_rate"],
        "ConsolidatedBalanceEntry": ["usdt_inr_rate"],
    }
    for schema, fields in amounts.items():
        for field in fields:
            assert schemas[schema]["properties"][field]["type"] == "string", (schema, field)
    assert schemas["BalanceDetail"]["additionalProperties"] is True
    assert schemas["CoinBalance"]["additionalProperties"] is True
    assert schemas["CoinBalance"]["required"] == ["coin", "equity"]


def merged(package: str) -> dict[str, Any]:
    """The document the generator reads for a package: its spec files, overlaid and merged."""
    regenerate = load_regenerate()
    names = regenerate.CLIENTS[package]
    document: dict[str, Any] = regenerate.merge(
        [(name, regenerate.load(SPECS / name)) for name in names]
    )
    return document


@pytest.mark.parametrize("package", sorted(set(PACKAGES.values())))
def test_merged_document_is_valid_openapi(package: str) -> None:
    validate(merged(package))


@pytest.mark.parametrize("package", sorted(set(PACKAGES.values())))
def test_no_nullable_beside_a_ref_and_no_nullable_array(package: str) -> None:
    # The generator ignores `nullable` beside a $ref (a null then fails to parse), and its
    # parser for a nullable array swallows a row that fails to parse.
    nodes = walk(merged(package))
    assert [path for path, node in nodes if "$ref" in node and "nullable" in node] == []
    assert [
        path for path, node in nodes if node.get("type") == "array" and "nullable" in node
    ] == []


def test_coinswitch_operations_are_signed_alike() -> None:
    paths = load("coinswitch-dma.yaml")["paths"]
    operations = {path: methods["get"] for path, methods in paths.items()}
    assert {path: operation["operationId"] for path, operation in operations.items()} == {
        "/dma/api/v1/master/subaccount/balance": "getSubaccountBalance",
        "/dma/api/v1/master/subaccounts": "listSubaccounts",
        "/dma/api/v1/master/balance": "getMasterBalance",
        "/dma/api/v1/master/balance/consolidated": "getConsolidatedBalance",
    }
    for operation in operations.values():
        assert operation["security"] == [{"authApiKey": [], "authSignature": [], "authEpoch": []}]


def test_coinswitch_flags_and_master_ids_may_be_null_or_absent() -> None:
    from venue_balances_coinswitch_dma.models import (
        ConsolidatedBalanceEntry,
        MasterBalanceData,
        SubaccountListEntry,
    )
    from venue_balances_coinswitch_dma.types import UNSET

    master = SubaccountListEntry.from_dict({"subaccount_id": 1000, "is_master": True})
    child = SubaccountListEntry.from_dict({"subaccount_id": 1001, "is_active": False})
    assert (master.is_master, master.is_active) == (True, UNSET)
    assert (child.is_master, child.is_active) == (UNSET, False)
    nulls = SubaccountListEntry.from_dict(
        {"subaccount_id": 7, "is_master": None, "is_active": None}
    )
    assert (nulls.is_master, nulls.is_active) == (None, None)
    with pytest.raises(KeyError):
        SubaccountListEntry.from_dict({"is_master": True})

    detail = {"totalEquity": "1.00"}
    absent = MasterBalanceData.from_dict({"balance_detail": detail})
    null = MasterBalanceData.from_dict({"subaccount_id": None, "balance_detail": detail})
    assert (absent.subaccount_id, absent.is_active) == (UNSET, UNSET)
    assert (null.subaccount_id, null.is_active) == (None, UNSET)

    row = ConsolidatedBalanceEntry.from_dict(
        {"subaccount_id": None, "is_master": True, "balance_detail": detail, "is_active": None}
    )
    assert (row.subaccount_id, row.is_master, row.is_active) == (None, True, None)
    with pytest.raises(KeyError):  # required, even though null is allowed
        ConsolidatedBalanceEntry.from_dict({"balance_detail": detail})


def test_coinswitch_lists_refuse_a_bad_row_instead_of_swallowing_it() -> None:
    from venue_balances_coinswitch_dma.models import ConsolidatedBalanceData, SubaccountListData

    with pytest.raises(KeyError):
        ConsolidatedBalanceData.from_dict({"balances": [{"subaccount_id": 1001}]})
    with pytest.raises(TypeError):
        ConsolidatedBalanceData.from_dict({"balances": None})
    with pytest.raises(KeyError):
        SubaccountListData.from_dict({"subaccounts": [{"is_active": True}]})
    with pytest.raises(TypeError):
        SubaccountListData.from_dict({"subaccounts": None})


def test_new_operations_build_the_documented_requests() -> None:
    from venue_balances_coinswitch_dma.api.master import (
        get_consolidated_balance,
        get_master_balance,
        list_subaccounts,
    )
    from venue_balances_kalshi.api.portfolio import get_balance

    for module, url in [
        (list_subaccounts, "/dma/api/v1/master/subaccounts"),
        (get_master_balance, "/dma/api/v1/master/balance"),
        (get_consolidated_balance, "/dma/api/v1/master/balance/consolidated"),
    ]:
        assert module._get_kwargs() == {"method": "get", "url": url}
    # Kalshi: subaccount 0 (the primary) is sent, not dropped as a falsy value.
    assert get_balance._get_kwargs(subaccount=0) == {
        "method": "get",
        "url": "/portfolio/balance",
        "params": {"subaccount": 0},
    }
    assert get_balance._get_kwargs(subaccount=3, exchange_index=1)["params"] == {
        "subaccount": 3,
        "exchange_index": 1,
    }


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
        ("coinswitch-dma.yaml", "listSubaccounts"),
        ("coinswitch-dma.yaml", "getMasterBalance"),
        ("coinswitch-dma.yaml", "getConsolidatedBalance"),
    }
    for (name, operation), found in statuses.items():
        if name.startswith("kalshi-"):
            assert found == {"200", "401", "500"}, operation
        else:
            assert found == {"200", "400", "401", "403", "404", "429", "500"}, operation

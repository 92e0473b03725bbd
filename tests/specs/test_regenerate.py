"""generated/ is exactly what scripts/regenerate.py writes from specs/."""

from __future__ import annotations

import copy
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import ROOT


def load_regenerate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "scripts" / "regenerate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/regenerate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_when_a_spec_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    regenerate = load_regenerate()
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    spec = specs / "coinswitch-dma.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "description: The subaccount queried." in text
    spec.write_text(text.replace("The subaccount queried.", "The queried subaccount."), "utf-8")
    monkeypatch.setattr(regenerate, "SPECS", specs)
    before = {p: p.read_bytes() for p in (ROOT / "generated").rglob("*.py")}

    assert regenerate.main(["--check"]) == 1

    # Only the changed model is stale: where the specs sit changes nothing else.
    stale = [line for line in capsys.readouterr().err.splitlines() if "stale:" in line]
    assert [line.split(" (")[0] for line in stale] == [
        "generated/venue_balances_coinswitch_dma: stale:   models/subaccount_balance_data.py"
    ]

    after = {p: p.read_bytes() for p in (ROOT / "generated").rglob("*.py")}
    assert before == after, "--check must touch nothing"


@pytest.mark.parametrize("package", ["venue_balances_kalshi", "venue_balances_coinswitch_dma"])
def test_generated_packages_are_typed_and_marked(package: str) -> None:
    directory = ROOT / "generated" / package
    assert (directory / "py.typed").is_file()
    for module in directory.rglob("*.py"):
        first = module.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# generated — do not edit; written by scripts/regenerate.py")


def test_packages_import() -> None:
    code = "import venue_balances_kalshi, venue_balances_coinswitch_dma, adapter"
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def document(title: str = "Venue", **parts: Any) -> dict[str, Any]:
    """A small OpenAPI document; `parts` replace or add top-level keys."""
    base: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "paths": {},
        "components": {"schemas": {"Error": {"type": "object"}}},
    }
    return {**base, **parts}


def operation(name: str) -> dict[str, Any]:
    return {"operationId": name, "responses": {"200": {"description": "ok"}}}


def test_merge_unites_paths_and_components() -> None:
    regenerate = load_regenerate()
    first = document(
        paths={"/a": {"get": operation("getA")}},
        components={
            "schemas": {"Error": {"type": "object"}, "A": {"type": "string"}},
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "K"}},
        },
    )
    second = document(
        paths={"/a": {"post": operation("postA")}, "/b": {"get": operation("getB")}},
        components={
            # The shared component is identical, its keys in another order.
            "schemas": {"B": {"type": "integer"}, "Error": {"type": "object"}},
            "parameters": {"n": {"name": "n", "in": "query", "schema": {"type": "integer"}}},
            "securitySchemes": {"key": {"name": "K", "in": "header", "type": "apiKey"}},
        },
    )

    merged = regenerate.merge([("specs/one.yaml", first), ("specs/two.yaml", second)])

    assert merged["paths"] == {
        "/a": {"get": operation("getA"), "post": operation("postA")},
        "/b": {"get": operation("getB")},
    }
    assert list(merged["components"]["schemas"]) == ["Error", "A", "B"]  # first seen first
    assert set(merged["components"]) == {"schemas", "securitySchemes", "parameters"}
    assert merged["info"] == first["info"]
    assert list(merged) == list(first)  # the first document's order
    assert first == document(  # the inputs are left alone
        paths={"/a": {"get": operation("getA")}},
        components={
            "schemas": {"Error": {"type": "object"}, "A": {"type": "string"}},
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "K"}},
        },
    )


@pytest.mark.parametrize(
    ("location", "value", "part"),
    [
        (("components", "schemas", "Error", "required"), ["m"], "components/schemas/Error"),
        (("components", "responses", "Bad", "description"), "no", "components/responses/Bad"),
        (("paths", "/a", "get", "operationId"), "other", "paths//a/get"),
        (("info", "title"), "Another venue", "info"),
        (("servers", 0, "url"), "https://b.test", "servers"),
        (("tags", 0, "name"), "b", "tags"),
        (("security",), [{"key": []}], "security"),
        # true and 1 are equal in Python but not in a spec.
        (("components", "schemas", "Error", "x-n"), True, "components/schemas/Error"),
    ],
    ids=["schema", "response", "operation", "info", "servers", "tags", "security", "true-vs-1"],
)
def test_merge_refuses_a_part_defined_differently(
    location: tuple[Any, ...], value: Any, part: str
) -> None:
    regenerate = load_regenerate()
    first = document(
        paths={"/a": {"get": operation("getA")}},
        servers=[{"url": "https://a.test"}],
        tags=[{"name": "a"}],
        security=[],
        components={
            "schemas": {"Error": {"type": "object", "x-n": 1}},
            "responses": {"Bad": {"description": "bad"}},
        },
    )
    second = copy.deepcopy(first)
    node = second
    for key in location[:-1]:
        node = node[key]
    node[location[-1]] = value

    with pytest.raises(regenerate.SpecMergeError) as caught:
        regenerate.merge([("specs/one.yaml", first), ("specs/two.yaml", second)])

    assert str(caught.value) == f"specs/one.yaml and specs/two.yaml define {part} differently"


def test_merge_refuses_a_top_level_key_missing_from_one_document() -> None:
    regenerate = load_regenerate()
    with_tags = document(tags=[{"name": "a"}])
    for documents in (
        [("specs/one.yaml", with_tags), ("specs/two.yaml", document())],
        [("specs/one.yaml", document()), ("specs/two.yaml", with_tags)],
    ):
        with pytest.raises(regenerate.SpecMergeError) as caught:
            regenerate.merge(documents)
        message = str(caught.value)
        assert "specs/one.yaml" in message and "specs/two.yaml" in message and "tags" in message


def test_regenerate_names_both_files_of_a_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    regenerate = load_regenerate()
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(document()), "utf-8")
    different = document(components={"schemas": {"Error": {"type": "string"}}})
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(different), "utf-8")
    monkeypatch.setattr(regenerate, "SPECS", tmp_path)
    monkeypatch.setattr(regenerate, "CLIENTS", {"venue_balances_test": ["one.yaml", "two.yaml"]})

    assert regenerate.main(["--check"]) == 1

    error = capsys.readouterr().err
    assert "specs/one.yaml and specs/two.yaml define components/schemas/Error differently" in error


def test_every_overlay_belongs_to_a_spec_file() -> None:
    regenerate = load_regenerate()
    names = [name for names in regenerate.CLIENTS.values() for name in names]
    assert len(names) == len(set(names)), "a spec file feeds one package"
    assert set(regenerate.OVERLAYS) == set(names)
    assert {path.name for path in (ROOT / "specs").glob("*.yaml")} == set(names)

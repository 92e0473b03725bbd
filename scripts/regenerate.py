"""Regenerate the venue clients in generated/ from the OpenAPI specs in specs/.

This script is the only writer of generated/. Run it after a spec changes:

    uv run python scripts/regenerate.py           # rewrite generated/
    uv run python scripts/regenerate.py --check   # compare only; exit 1 if generated/ is stale

A client may come from several spec files of one venue (Kalshi publishes one document per
endpoint). They are overlaid, merged into one document (see `merge`) and written to a
temporary directory, where openapi-python-client (pinned in the dev group of pyproject.toml,
formatted by the pinned ruff with --isolated so that the repo's own ruff settings cannot
change the output) generates the client. Each client is then finished the same way every
time: a "do not edit" banner on every module, a py.typed marker, and no tool caches. The
result is byte-identical across runs and machines.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"

# Upstream spec fixes applied in memory before generation, one function per fix with a comment
# saying why, keyed by the spec file they fix. Kalshi's files stay Kalshi's text byte for byte.
# None is needed today.
Overlay = Callable[[dict[str, Any]], None]
OVERLAYS: dict[str, list[Overlay]] = {
    "kalshi-get-all-subaccount-balances.yaml": [],
    "kalshi-get-balance.yaml": [],
    "coinswitch-dma.yaml": [],
}

# Each package is generated from one document: its spec files (in specs/) merged in this order.
CLIENTS: dict[str, list[str]] = {
    "venue_balances_kalshi": [
        "kalshi-get-all-subaccount-balances.yaml",
        "kalshi-get-balance.yaml",
    ],
    "venue_balances_coinswitch_dma": ["coinswitch-dma.yaml"],
}

# Top-level keys merged entry by entry; every other top-level key must be the same everywhere.
# For paths an entry is one method (or path-level field) of one path; for components it is
# one named component of one section (schemas, parameters, responses, securitySchemes...).
UNITED = ("paths", "components")

POST_HOOKS = [
    "ruff check --isolated --fix-only --extend-select=I .",
    "ruff format --isolated .",
]


class SpecMergeError(ValueError):
    """The spec files of one package cannot be merged into one document."""


def shown(spec: Path) -> str:
    """How a spec file is named in banners and errors: specs/<name> for ours."""
    for base, prefix in ((SPECS, "specs/"), (ROOT, "")):
        if spec.is_relative_to(base):
            return prefix + spec.relative_to(base).as_posix()
    return spec.as_posix()


def banner(specs: Sequence[Path]) -> str:
    sources = ", ".join(shown(spec) for spec in specs)
    return f"# generated — do not edit; written by scripts/regenerate.py from {sources}\n"


def load(spec: Path) -> dict[str, Any]:
    """A spec file with its overlays applied, as JSON values (the merged document is JSON)."""
    from ruamel.yaml import YAML  # the generator's own YAML parser

    document = YAML(typ="safe").load(spec.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise SpecMergeError(f"{shown(spec)} is not an OpenAPI document (a mapping)")
    for overlay in OVERLAYS.get(spec.name, []):
        overlay(document)
    try:
        # Through JSON and back: keys become strings (a YAML `200:` key is an int) and a
        # value JSON cannot hold (an unquoted YAML date) fails here, naming the file.
        plain: dict[str, Any] = json.loads(json.dumps(document))
    except (TypeError, ValueError) as exc:
        raise SpecMergeError(f"{shown(spec)}: {exc}; quote the value in an overlay") from None
    return plain


def canonical(value: Any) -> str:
    # Compared as canonical JSON, not with ==, so that true and 1 (or 1 and 1.0) differ
    # while key order does not matter.
    return json.dumps(value, sort_keys=True)


def mapping(value: Any, where: str, spec: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecMergeError(f"{spec}: {where} is not a mapping")
    return value


def merge(documents: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One OpenAPI document from several (name, document) pairs of one venue.

    Paths and components are united; a path method or a component found in two documents
    must be identical in both, and so must every other top-level key (openapi, info,
    servers, tags, security...), which must also be present in all of them. A
    disagreement raises SpecMergeError naming both documents and the part.
    """
    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}

    def put(parent: dict[str, Any], location: tuple[str, ...], value: Any, spec: str) -> None:
        key = location[-1]
        if key not in parent:
            parent[key], origin[location] = value, spec
        elif canonical(parent[key]) != canonical(value):
            raise SpecMergeError(
                f"{origin[location]} and {spec} define {'/'.join(location)} differently"
            )

    for spec, document in documents:
        for key, value in document.items():
            if key not in UNITED:
                put(merged, (key,), value, spec)
                continue
            for name, entries in mapping(value, key, spec).items():
                united = merged.setdefault(key, {}).setdefault(name, {})
                for entry, definition in mapping(entries, f"{key}/{name}", spec).items():
                    put(united, (key, name, entry), definition, spec)
    for key in merged:
        if key in UNITED:
            continue
        for spec, document in documents:
            if key not in document:
                raise SpecMergeError(f"{origin[(key,)]} has top-level {key} and {spec} has none")
    return merged


def document_for_generator(package: str, specs: Sequence[Path], workdir: Path) -> Path:
    """The package's spec files, overlaid and merged, written where the generator reads it."""
    merged = merge([(shown(spec), load(spec)) for spec in specs])
    path = workdir / f"{package}.openapi.json"
    # Document order is kept (no sort_keys): it is the order of the generated code.
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def generate(package: str, specs: Sequence[Path], workdir: Path) -> Path:
    """Generate one client package from its spec files into workdir; return its directory."""
    document = document_for_generator(package, specs, workdir)
    config = workdir / f"{package}.config.json"
    config.write_text(
        json.dumps({"package_name_override": package, "post_hooks": POST_HOOKS}),
        encoding="utf-8",
    )
    output = workdir / package
    # The generator and ruff run from the interpreter's own environment, never from PATH
    # elsewhere: an unpinned ruff (or none) would format differently.
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        str(bindir / "openapi-python-client"),
        "generate",
        "--path",
        str(document),
        "--config",
        str(config),
        "--meta",
        "none",
        "--output-path",
        str(output),
        "--overwrite",
        "--fail-on-warning",
    ]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not (output / "__init__.py").is_file():
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"openapi-python-client failed for {package}")
    finish(output, specs)
    return output


def finish(package_dir: Path, specs: Sequence[Path]) -> None:
    shutil.rmtree(package_dir / ".ruff_cache", ignore_errors=True)
    for module in sorted(package_dir.rglob("*.py")):
        module.write_text(banner(specs) + module.read_text(encoding="utf-8"), encoding="utf-8")
    (package_dir / "py.typed").write_text("", encoding="utf-8")


def tree(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def differences(expected: Path, actual: Path) -> list[str]:
    """A short summary of how actual differs from expected, one line per file."""
    want, have = tree(expected), tree(actual)
    lines = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            lines.append(f"missing: {name}")
        elif name not in want:
            lines.append(f"extra:   {name}")
        elif want[name] != have[name]:
            diff = difflib.unified_diff(
                have[name].decode(errors="replace").splitlines(),
                want[name].decode(errors="replace").splitlines(),
                lineterm="",
                n=0,
            )
            changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            lines.append(f"stale:   {name} ({changed} lines differ)")
    return lines


def replace(source: Path, target: Path) -> None:
    if differences(source, target):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary directory and fail if generated/ differs; touch nothing",
    )
    args = parser.parse_args(argv)
    stale: list[str] = []
    with tempfile.TemporaryDirectory(prefix="venue-balances-regen-") as tmp:
        for package, names in CLIENTS.items():
            specs = [SPECS / name for name in names]
            try:
                fresh = generate(package, specs, Path(tmp))
            except SpecMergeError as exc:
                print(f"cannot generate {package}: {exc}", file=sys.stderr)
                return 1
            committed = GENERATED / package
            if args.check:
                stale += [f"generated/{package}: {line}" for line in differences(fresh, committed)]
            else:
                replace(fresh, committed)
                print(f"generated/{package} <- {', '.join(shown(spec) for spec in specs)}")
    if stale:
        print("generated/ is stale; run: uv run python scripts/regenerate.py", file=sys.stderr)
        print("\n".join(stale), file=sys.stderr)
        return 1
    if args.check:
        print("generated/ matches specs/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

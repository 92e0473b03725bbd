"""Regenerate the venue clients in generated/ from the OpenAPI specs in specs/.

This script is the only writer of generated/. Run it after a spec changes:

    uv run python scripts/regenerate.py           # rewrite generated/
    uv run python scripts/regenerate.py --check   # compare only; exit 1 if generated/ is stale

Each client is generated into a temporary directory by openapi-python-client (pinned in the
dev group of pyproject.toml, formatted by the pinned ruff with --isolated so that the repo's
own ruff settings cannot change the output), then finished the same way every time: a
"do not edit" banner on every module, a py.typed marker, and no tool caches. The result is
byte-identical across runs and machines.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"

# Upstream spec fixes applied in memory before generation, one function per fix with a comment
# saying why. specs/kalshi.yaml stays Kalshi's text byte for byte. None is needed today.
Overlay = Callable[[dict[str, Any]], None]
OVERLAYS: dict[str, list[Overlay]] = {"kalshi.yaml": [], "coinswitch-dma.yaml": []}

CLIENTS = {
    "venue_balances_kalshi": "kalshi.yaml",
    "venue_balances_coinswitch_dma": "coinswitch-dma.yaml",
}

POST_HOOKS = [
    "ruff check --isolated --fix-only --extend-select=I .",
    "ruff format --isolated .",
]


def banner(spec: str) -> str:
    return f"# generated — do not edit; written by scripts/regenerate.py from specs/{spec}\n"


def spec_for_generator(spec: str, workdir: Path) -> Path:
    """The spec as the generator should read it: the file itself, or the file with overlays."""
    overlays = OVERLAYS[spec]
    if not overlays:
        return SPECS / spec
    from ruamel.yaml import YAML  # the generator's own YAML parser

    document = YAML(typ="safe").load((SPECS / spec).read_text(encoding="utf-8"))
    for overlay in overlays:
        overlay(document)
    patched = workdir / spec
    patched.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
    return patched


def generate(package: str, spec: str, workdir: Path) -> Path:
    """Generate one client package into workdir and return its directory."""
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
        str(spec_for_generator(spec, workdir)),
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
        raise SystemExit(f"openapi-python-client failed for specs/{spec}")
    finish(output, spec)
    return output


def finish(package_dir: Path, spec: str) -> None:
    shutil.rmtree(package_dir / ".ruff_cache", ignore_errors=True)
    for module in sorted(package_dir.rglob("*.py")):
        module.write_text(banner(spec) + module.read_text(encoding="utf-8"), encoding="utf-8")
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
        for package, spec in CLIENTS.items():
            fresh = generate(package, spec, Path(tmp))
            committed = GENERATED / package
            if args.check:
                stale += [f"generated/{package}: {line}" for line in differences(fresh, committed)]
            else:
                replace(fresh, committed)
                print(f"generated/{package} <- specs/{spec}")
    if stale:
        print("generated/ is stale; run: uv run python scripts/regenerate.py", file=sys.stderr)
        print("\n".join(stale), file=sys.stderr)
        return 1
    if args.check:
        print("generated/ matches specs/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

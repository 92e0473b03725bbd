"""`.ci/install-uv` gets uv onto any Python 3.11+ with pip: a throwaway virtual
environment first (a Debian-managed Python refuses `pip install` outside one), then
`--user`, then `--break-system-packages`. Driven here with a stand-in `python3` that
plays each kind of machine and records what it was asked to do (no download)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.paths import ROOT

FAKE_PYTHON = r"""#!/usr/bin/env bash
# A stand-in python3: MODE=managed (PEP 668, venv works), novenv-user (no venv module,
# --user allowed), novenv-managed (no venv, --user refused, --break-system-packages ok).
echo "$*" >> "$LOG"
if [ "$1 $2" = "-m venv" ]; then
    [ "$MODE" = managed ] || exit 1
    mkdir -p "$3/bin"
    printf '#!/usr/bin/env bash\necho "venv $*" >> "%s"\nexit 0\n' "$LOG" > "$3/bin/python"
    chmod +x "$3/bin/python"
    exit 0
fi
if [ "$1 $2 $3" = "-m pip install" ]; then
    case "$*" in
        *--break-system-packages*) [ "$MODE" = novenv-managed ] && exit 0 ;;
        *--user*) [ "$MODE" = novenv-user ] && exit 0 ;;
    esac
    echo "error: externally-managed-environment" >&2
    exit 1
fi
if [ "$1" = "-c" ]; then echo /home/someone/.local/bin; exit 0; fi
exit 1
"""


@pytest.mark.parametrize(
    ("mode", "bin_dir", "last_install"),
    [
        ("managed", "/venv/bin", "venv -m pip install --quiet uv"),
        ("novenv-user", "/home/someone/.local/bin", "-m pip install --quiet --user uv"),
        (
            "novenv-managed",
            "/home/someone/.local/bin",
            "-m pip install --quiet --user --break-system-packages uv",
        ),
    ],
)
def test_install_uv_on_every_kind_of_python(
    tmp_path: Path, mode: str, bin_dir: str, last_install: str
) -> None:
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "log"
    result = subprocess.run(
        [str(ROOT / ".ci" / "install-uv")],
        env={
            **os.environ,
            "PYTHON": str(python),
            "MODE": mode,
            "LOG": str(log),
            "TMPDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(bin_dir)
    calls = log.read_text().splitlines()
    installs = [call for call in calls if "pip install" in call]
    assert installs[-1] == last_install
    if mode == "managed":
        assert not any("--user" in call or "--break" in call for call in calls)
    else:
        assert "--break-system-packages" not in installs[0], "a fallback, never the first try"


def test_ci_run_uses_the_installer() -> None:
    text = (ROOT / ".ci" / "run").read_text()
    assert ".ci/install-uv" in text and "uv run --locked pytest" in text
    assert "pip install" not in text, "installing is .ci/install-uv's job"


FAKE_TOOL = """#!/bin/sh
echo "${AS_ROOT:+sudo }${0##*/} $*${DEBIAN_FRONTEND:+ ($DEBIAN_FRONTEND)}\
${VENUE_BALANCES_REQUIRE_TOOLS:+ REQUIRE=$VENUE_BALANCES_REQUIRE_TOOLS}" >> "$LOG"
"""
APT = "apt-get update -qq (noninteractive)"
INSTALL = "apt-get install -y -qq --no-install-recommends {} (noninteractive)"


@pytest.mark.parametrize(
    ("uid", "installed", "expected"),
    [
        ("0", (), [APT, INSTALL.format("prometheus chromium")]),
        ("1000", ("promtool", "prometheus"), [f"sudo {APT}", "sudo " + INSTALL.format("chromium")]),
        ("1000", ("promtool", "chromium"), [f"sudo {APT}", "sudo " + INSTALL.format("prometheus")]),
        ("1000", ("promtool", "prometheus", "chromium"), []),
    ],
)
def test_ci_run_installs_the_tools_tests_drive_and_requires_them(
    tmp_path: Path, uid: str, installed: tuple[str, ...], expected: list[str]
) -> None:
    """.ci/run on a machine whose PATH holds only stand-ins (and bash, env, dirname): apt
    installs what is missing, quietly and without recommends, through sudo unless root,
    before the tests, which run with VENUE_BALANCES_REQUIRE_TOOLS=1."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for real in ("bash", "env", "dirname"):
        (bin_dir / real).symlink_to(shutil.which(real) or real)
    for fake in ("apt-get", "uv", *installed):
        (bin_dir / fake).write_text(FAKE_TOOL)
    (bin_dir / "sudo").write_text('#!/bin/sh\nAS_ROOT=1 exec "$@"\n')
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for tool in bin_dir.iterdir():
        if not tool.is_symlink():
            tool.chmod(0o755)
    log = tmp_path / "log"
    result = subprocess.run(
        [str(ROOT / ".ci" / "run")],
        env={"PATH": str(bin_dir), "LOG": str(log), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        *expected,
        "uv --version REQUIRE=1",
        "uv run --locked pytest REQUIRE=1",
    ]

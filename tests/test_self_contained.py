"""A clone is self-contained: no source, test, script or benchmark reads a path outside it.

Two checks over every tracked text file: no literal path that climbs out of the clone
(`../` beyond the top, a sibling `shared/` folder), and no `Path(__file__).parents[N]` whose N
reaches above the repository root.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".service", ".mako", ""}
PARENTS_INDEX = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")
# Built from pieces so that this file's own source does not spell the paths it looks for.
_SIBLING = "shared"
OUTSIDE_LITERALS = re.compile(
    "|".join([
        r"\.\./" + _SIBLING,
        _SIBLING + "/testdata",
        _SIBLING + "/models",
        r"\.\./\.\./",
        r"\.parent\s*/\s*[\"']" + _SIBLING + r"[\"']",
    ])
)


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = [ROOT / name for name in out.decode().split("\0") if name]
    return [
        f for f in files
        if f.is_file() and (f.suffix in CHECKED_SUFFIXES or f.name == "Makefile")
    ]


def test_no_literal_path_leaves_the_clone() -> None:
    offenders = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_LITERALS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_file_relative_path_climbs_above_the_root() -> None:
    offenders = []
    for path in tracked_files():
        if path.suffix != ".py":
            continue
        depth_below_root = len(path.relative_to(ROOT).parts) - 1
        for match in PARENTS_INDEX.finditer(path.read_text(encoding="utf-8")):
            if int(match.group(1)) > depth_below_root:
                offenders.append(f"{path.relative_to(ROOT)}: parents[{match.group(1)}]")
    assert offenders == []

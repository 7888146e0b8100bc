"""The terminal and the centre share one module of data shapes and nothing else: kiosk may
import `fleet.protocol` only, and fleet never imports kiosk."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if node.module == "fleet")
    return names


def offenders(package: str, allowed: str, forbidden_root: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if (name == forbidden_root or name.startswith(forbidden_root + ".")) \
                    and name != allowed:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    return found


def test_kiosk_imports_only_the_protocol_of_fleet() -> None:
    assert offenders("kiosk", "fleet.protocol", "fleet") == []


def test_fleet_never_imports_kiosk() -> None:
    assert offenders("fleet", "", "kiosk") == []


def test_the_scan_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from fleet import app\nimport fleet.db\nfrom fleet.protocol import X\n")
    assert imported_modules(sample) >= {"fleet.app", "fleet.db", "fleet.protocol"}


def test_a_standalone_terminal_never_loads_the_fleet_link() -> None:
    """Built and started with no [fleet] section, nothing of the link or the protocol loads."""
    code = (
        "import sys\n"
        "from kiosk.config import Settings\n"
        "from kiosk.runtime import Runtime\n"
        "r = Runtime.build(Settings(), simulate=True, start_verify_web=False)\n"
        "r.start(); r.stop()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('fleet', 'kiosk.fleet_link')))\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"

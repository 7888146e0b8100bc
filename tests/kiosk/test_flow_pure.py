"""The session's state machine stays pure: it imports plain data and the standard library,
never Qt, a store, a device or the network."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ("kiosk.flow", "services_catalog.model", "services_catalog.errors")


def project_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.split(".")[0] not in sys.stdlib_module_names}


def test_the_flow_imports_only_plain_data() -> None:
    found = [f"{path.name}: {name}" for path in sorted((ROOT / "kiosk" / "flow").glob("*.py"))
             for name in project_imports(path)
             if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED)]
    assert found == []


def test_loading_the_flow_loads_no_qt_store_or_network() -> None:
    code = ("import sys, kiosk.flow\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'sqlalchemy', 'httpx', 'serial', 'cv2', 'cups')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"

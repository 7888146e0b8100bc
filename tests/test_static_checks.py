"""The linters the Makefile names (`make lint`, `make typecheck`) hold for every change: run
here, so `make test` (and CI) fails when they do, not only when someone remembers them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _make_recipe(target: str) -> list[str]:
    """The command line of a Makefile target, with $(VENV)/bin resolved to this venv."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    body = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.M)
    assert body is not None, f"no {target} target in the Makefile"
    line = body.group(1).replace("\\\n", " ").replace("\t", " ")
    line = line.replace("$(VENV)/bin/", f"{BIN}/")
    return line.split()


def _run(target: str) -> None:
    done = subprocess.run(_make_recipe(target), cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def test_ruff_finds_nothing() -> None:
    _run("lint")


def test_mypy_strict_finds_nothing_in_the_typed_core() -> None:
    _run("typecheck")

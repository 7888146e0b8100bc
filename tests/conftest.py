"""Test-wide setup: Qt runs offscreen, and no test touches the user's real data or config."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before any Qt import: tests never need (or have) a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own data dir and no default config file."""
    base = tmp_path_factory.mktemp("kiosk-home")
    monkeypatch.setenv("GOV_KIOSK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("GOV_KIOSK_CONFIG", str(base / "config" / "kiosk.toml"))
    yield

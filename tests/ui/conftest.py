"""Fixtures of the UI tests: the real catalog, a screenshot directory, and kiosk windows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_harness import Kiosk

from services_catalog.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $KIOSK_UI_SHOTS to keep them, else a temp dir."""
    keep = os.environ.get("KIOSK_UI_SHOTS")
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("shots")


@pytest.fixture
def kiosk(qtbot: Any, catalog: Catalog) -> Iterator[Kiosk]:
    k = Kiosk(qtbot, catalog, (1920, 1080))
    yield k
    k.query.gate.set()
    k.certificates.gate.set()
    k.window.close()


@pytest.fixture
def portrait_kiosk(qtbot: Any, catalog: Catalog) -> Iterator[Kiosk]:
    k = Kiosk(qtbot, catalog, (1080, 1920))
    yield k
    k.window.close()

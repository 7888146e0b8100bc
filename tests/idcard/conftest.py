"""Fixtures: a simulated reader on a pty (behind a stable symlink) and an event recorder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from idcard_helpers import CARDS, Recorder

from devices.idcard.card import CardData
from devices.idcard.simulator import ReaderSimulator


@pytest.fixture
def cards() -> dict[str, CardData]:
    return CARDS


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[ReaderSimulator]:
    simulator = ReaderSimulator()
    simulator.start_pty(link=tmp_path / "ttyIDCARD")
    yield simulator
    simulator.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()

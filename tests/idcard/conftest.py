"""Fixtures: a simulated reader in-process (open it by `sim.url()`) or on a pty (behind a stable
symlink, for unplug tests), and an event recorder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from idcard_helpers import CARDS, Recorder

from devices.idcard.card import CardData
from devices.idcard.sim_core import SimulatedReader
from devices.idcard.simulator import ReaderSimulator


@pytest.fixture
def cards() -> dict[str, CardData]:
    return CARDS


@pytest.fixture
def sim() -> SimulatedReader:
    return SimulatedReader()


@pytest.fixture
def pty_sim(tmp_path: Path) -> Iterator[ReaderSimulator]:
    simulator = ReaderSimulator()
    simulator.start_pty(link=tmp_path / "ttyIDCARD")
    yield simulator
    simulator.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()

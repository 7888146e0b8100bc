"""Shared fixtures for the face-capture tests: one detector, the portrait framed as a kiosk
camera sees it, and the no-face image (all in memory)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera.detector import Face, FaceDetector
from devices.camera.simulator import framed_portrait

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"


@pytest.fixture(scope="session")
def detector() -> FaceDetector:
    cv2.setNumThreads(1)
    return FaceDetector()


@pytest.fixture(scope="session")
def portrait_raw() -> np.ndarray:
    image = cv2.imread(str(FACES / "astronaut.png"))
    assert image is not None
    return image


@pytest.fixture(scope="session")
def portrait(portrait_raw: np.ndarray, detector: FaceDetector) -> tuple[np.ndarray, Face]:
    """(640x480 BGR frame, the face detected in it)."""
    return framed_portrait(portrait_raw, detector)


@pytest.fixture(scope="session")
def no_face() -> np.ndarray:
    image = cv2.imread(str(FACES / "no-face-coffee.png"))
    assert image is not None
    return cv2.resize(image, (640, 480))

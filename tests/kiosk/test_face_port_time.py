"""Large-text mode gives the face check twice its time limits (the camera port's side)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import devices.camera.session as camera_session
from devices.camera.session import CaptureSettings
from devices.status import CommandCancelled
from kiosk.ports import CameraFacePort
from services_catalog.model import AuthenticatedPerson


class RecordingRunner:
    """Stands in for CaptureRunner: remembers the session's settings, then is cancelled."""

    made: list[CaptureSettings] = []

    def __init__(self, camera, session, emit) -> None:
        RecordingRunner.made.append(session.settings)
        self.cancelled = threading.Event()

    def start(self) -> None:
        pass

    def result(self, timeout=None):
        self.cancelled.wait(5)
        raise CommandCancelled("stopped")

    def cancel(self) -> None:
        self.cancelled.set()


def test_time_factor_scales_every_time_limit_of_the_capture(monkeypatch):
    monkeypatch.setattr(camera_session, "CaptureRunner", RecordingRunner)
    camera = SimpleNamespace(status=SimpleNamespace(capabilities={"resolution": "640x480"}))
    detector = SimpleNamespace()
    port = CameraFacePort(camera, detector, verifier=None)
    person = AuthenticatedPerson("410402198805201238", "张伟")
    base = CaptureSettings()
    for factor in (1.0, 2.0):
        port.start(person, lambda ok, message: None, factor)
        port.stop()
    normal, large = RecordingRunner.made[-2:]
    assert normal.attempt_timeout_s == base.attempt_timeout_s
    assert large.attempt_timeout_s == 2 * base.attempt_timeout_s
    assert large.capture_timeout_s == 2 * base.capture_timeout_s
    assert large.liveness.timeout_s == 2 * base.liveness.timeout_s
    assert large.steady_s == base.steady_s  # how long to hold still is not a time limit

"""The camera driver, the simulator and the capture session, end to end in memory."""

from __future__ import annotations

import builtins
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import synthetic
from devices.camera.capture import Camera, CameraUnavailable
from devices.camera.detector import FaceDetector
from devices.camera.liveness import Challenge, LivenessSettings
from devices.camera.session import (
    CaptureRunner,
    CaptureSettings,
    FaceCaptureFailed,
    FaceCaptureSession,
    Phase,
    capture_face,
)
from devices.camera.simulator import SimulatedCamera
from devices.status import CommandCancelled, DeviceState, FacePresence


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


class FakeCapture:
    """Stands in for cv2.VideoCapture: a USB camera that can be pulled out and put back."""

    plugged = True

    def __init__(self, source: object) -> None:
        self.source = source
        self.frame = np.full((480, 640, 3), 90, np.uint8)

    def isOpened(self) -> bool:  # noqa: N802
        return FakeCapture.plugged

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(0.005)
        return (True, self.frame) if FakeCapture.plugged else (False, None)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        pass


def test_camera_survives_the_device_vanishing_and_returning() -> None:
    FakeCapture.plugged = True
    camera = Camera("/dev/video0", opener=FakeCapture, reopen_interval_s=0.05)
    states: list[DeviceState] = []
    camera.publisher.subscribe(lambda s: states.append(s.state))
    with camera:
        assert camera.wait_frame(timeout=2.0) is not None
        assert camera.status.state is DeviceState.ONLINE
        FakeCapture.plugged = False
        assert wait_for(lambda: camera.status.state is DeviceState.NO_DEVICE)
        assert camera.latest() is None  # no stale picture while the camera is gone
        FakeCapture.plugged = True
        assert wait_for(lambda: camera.status.state is DeviceState.ONLINE)
        before = camera.latest()
        assert camera.wait_frame(before.seq if before else 0, timeout=2.0) is not None
    changes = [s for i, s in enumerate(states) if i == 0 or states[i - 1] is not s]
    assert changes == [
        DeviceState.ONLINE,
        DeviceState.NO_DEVICE,
        DeviceState.ONLINE,
        DeviceState.OFFLINE,
    ]
    assert camera.status.state is DeviceState.OFFLINE


def test_camera_source_is_an_index_or_a_path() -> None:
    seen: list[object] = []

    def opener(source: object) -> FakeCapture:
        seen.append(source)
        return FakeCapture(source)

    for source in ("0", "/dev/video2"):
        with Camera(source, opener=opener) as cam:
            assert cam.wait_frame(timeout=2.0) is not None
    assert seen == [0, "/dev/video2"]


def test_missing_real_device_reports_no_device() -> None:
    with Camera("/dev/video-that-does-not-exist", reopen_interval_s=0.05) as camera:
        assert wait_for(lambda: camera.status.state is DeviceState.NO_DEVICE)
        assert camera.wait_frame(timeout=0.2) is None


def test_simulator_plays_frames_and_can_be_unplugged(portrait) -> None:
    frame, _ = portrait
    cam = SimulatedCamera([frame], fps=50, reopen_interval_s=0.05)
    with cam:
        got = cam.wait_frame(timeout=2.0)
        assert got is not None and got.image.shape == (480, 640, 3)
        cam.unplug()
        assert wait_for(lambda: cam.status.state is DeviceState.NO_DEVICE)
        cam.replug()
        assert wait_for(lambda: cam.status.state is DeviceState.ONLINE)
        assert cam.status.info["model"] == "simulator"


def blink_camera(detector: FaceDetector, portrait, fps: float = 30.0) -> SimulatedCamera:
    frame, face = portrait
    return SimulatedCamera(synthetic.blink_sequence(frame, face, 8, 2, 8), fps=fps)


FAST = CaptureSettings(
    steady_s=0.2,
    attempt_timeout_s=1.5,
    capture_timeout_s=1.0,
    max_attempts=2,
    challenges=(Challenge.BLINK,),
    liveness=LivenessSettings(timeout_s=1.5),
)


def test_blinking_citizen_is_captured_as_a_jpeg_of_one_face(detector, portrait) -> None:
    cam = blink_camera(detector, portrait)
    updates = []
    with cam:
        captured = capture_face(cam, detector, FAST, on_update=updates.append)
    assert captured.challenge is Challenge.BLINK
    image = cv2.imdecode(np.frombuffer(captured.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1::-1] == captured.size
    faces = detector.detect(image)
    assert len(faces) == 1 and faces[0].score > 0.8
    phases = [u.phase for u in updates]
    assert phases[0] is Phase.SEARCHING and phases[-1] is Phase.ACCEPTED
    assert Phase.CHALLENGE in phases
    assert all(u.frame is not None and u.guide.radius_x > 0 for u in updates)
    assert "bytes" in repr(captured) and str(len(captured.jpeg)) in repr(captured)


def test_still_photo_ends_failed_after_max_attempts(detector, portrait) -> None:
    frame, _ = portrait
    updates = []
    with SimulatedCamera([frame], fps=30) as cam:
        with pytest.raises(FaceCaptureFailed) as info:
            capture_face(cam, detector, FAST, on_update=updates.append)
    assert "工作人员" in info.value.message_zh
    assert updates[-1].phase is Phase.FAILED
    assert max(u.attempt for u in updates) == FAST.max_attempts


def test_session_without_a_face_gives_up_instead_of_looping(detector, no_face) -> None:
    session = FaceCaptureSession(detector, FAST)
    now = 0.0
    seen_instructions = set()
    for _ in range(200):
        update = session.feed(no_face, now)
        seen_instructions.add(update.instruction[1])
        if session.done:
            break
        now += 0.1
    assert session.phase is Phase.FAILED
    assert now <= FAST.attempt_timeout_s * FAST.max_attempts + 0.5
    assert "Please face the screen and fit your face in the oval" in seen_instructions


def test_camera_unplugged_mid_capture_raises_camera_unavailable(detector, portrait) -> None:
    frame, _ = portrait
    cam = SimulatedCamera([frame], fps=30, reopen_interval_s=0.05)
    statuses = []
    cam.publisher.subscribe(statuses.append)
    settings = CaptureSettings(challenges=(Challenge.BLINK,))
    with cam:
        session = FaceCaptureSession(detector, settings)
        runner = CaptureRunner(cam, session, device_grace_s=0.3).start()
        assert wait_for(lambda: session.phase is Phase.CHALLENGE)
        assert cam.status.camera.face is FacePresence.PRESENT
        cam.unplug()
        with pytest.raises(CameraUnavailable) as info:
            runner.result(timeout=5.0)
        assert "摄像头" in info.value.message_zh
        assert cam.status.state is DeviceState.NO_DEVICE
    assert any(s.state is DeviceState.NO_DEVICE for s in statuses)


def test_capture_can_be_cancelled(detector, portrait) -> None:
    with SimulatedCamera([portrait[0]], fps=30) as cam:
        runner = CaptureRunner(cam, FaceCaptureSession(detector, FAST)).start()
        runner.cancel()
        with pytest.raises(CommandCancelled):
            runner.result(timeout=5.0)


def test_nothing_reaches_the_disk_during_a_capture(
    detector, portrait, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, temp_dir = tmp_path / "data", tmp_path / "tmp"
    data_dir.mkdir()
    temp_dir.mkdir()
    monkeypatch.setenv("GOV_KIOSK_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TMPDIR", str(temp_dir))
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    writes: list[str] = []
    real_open = builtins.open

    def watching_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def no_imwrite(*args, **kwargs):
        writes.append(f"cv2.imwrite {args[0]}")
        return False

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(cv2, "imwrite", no_imwrite)
    cam = blink_camera(detector, portrait)
    with cam:
        captured = capture_face(cam, detector, FAST)
    assert captured.jpeg[:3] == b"\xff\xd8\xff"
    assert writes == []
    assert os.listdir(data_dir) == [] and os.listdir(temp_dir) == []

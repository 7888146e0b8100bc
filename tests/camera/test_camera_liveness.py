"""The liveness challenge: a turn or a blink passes, a still photo does not."""

from __future__ import annotations

import numpy as np

from devices.camera import synthetic
from devices.camera.detector import Face, FaceDetector
from devices.camera.liveness import Challenge, LivenessCheck, LivenessSettings, LivenessState
from devices.camera.quality import eye_openness, yaw_ratio


def face_with_yaw(yaw: float, dx: float = 0.0) -> Face:
    """A 200 px face whose nose sits `yaw` eye distances right of the eyes' midpoint."""
    eyes = ((250.0 + dx, 200.0), (350.0 + dx, 200.0))
    nose = (300.0 + dx + yaw * 100.0, 250.0)
    mouth = ((260.0 + dx, 290.0), (340.0 + dx, 290.0))
    return Face((200.0 + dx, 120.0, 200.0, 240.0), 0.9, (*eyes, nose, *mouth))


def run_track(check: LivenessCheck, yaws: list[float], fps: float = 15.0) -> LivenessState:
    state = check.state
    for i, yaw in enumerate(yaws):
        state = check.observe(face_with_yaw(yaw), 1.0, check.started_at + i / fps)
    return state


def test_turn_left_and_back_passes() -> None:
    check = LivenessCheck(Challenge.TURN_LEFT, started_at=0.0)
    yaws = [0.0, 0.02, 0.1, 0.2, 0.28, 0.3, 0.2, 0.08, 0.01]
    assert run_track(check, yaws) is LivenessState.PASSED
    assert check.progress == 1.0


def test_turn_the_wrong_way_does_not_pass() -> None:
    check = LivenessCheck(Challenge.TURN_RIGHT, started_at=0.0)
    assert run_track(check, [0.0, 0.15, 0.3, 0.15, 0.0]) is LivenessState.PENDING


def test_turn_must_come_back_to_frontal() -> None:
    check = LivenessCheck(Challenge.TURN_RIGHT, started_at=0.0)
    assert run_track(check, [0.0, -0.1, -0.25, -0.3, -0.3]) is LivenessState.PENDING


def test_still_photo_times_out_on_a_turn_challenge() -> None:
    check = LivenessCheck(Challenge.TURN_LEFT, 0.0, LivenessSettings(timeout_s=2.0))
    state = run_track(check, [0.01] * 45)  # three seconds of a photo held up
    assert state is LivenessState.TIMED_OUT


def test_moving_a_photo_sideways_is_not_a_turn() -> None:
    check = LivenessCheck(Challenge.TURN_LEFT, 0.0, LivenessSettings(timeout_s=2.0))
    for i in range(40):
        check.observe(face_with_yaw(0.0, dx=(i % 10) * 5.0), 1.0, i / 15.0)
    assert check.state is LivenessState.TIMED_OUT


def test_swapping_faces_mid_turn_starts_over() -> None:
    check = LivenessCheck(Challenge.TURN_LEFT, started_at=0.0)
    check.observe(face_with_yaw(0.0), 1.0, 0.0)
    check.observe(face_with_yaw(0.3), 1.0, 0.1)  # turned
    # A different (photo) face appears far away, frontal: this must not complete the turn.
    state = check.observe(face_with_yaw(0.0, dx=250.0), 1.0, 0.2)
    assert state is LivenessState.PENDING
    assert check.progress < 1.0


def test_yaw_of_the_detected_portrait_is_frontal(portrait) -> None:
    assert abs(yaw_ratio(portrait[1])) < 0.05


def test_simulated_blink_sequence_passes(detector: FaceDetector, portrait) -> None:
    frame, face = portrait
    check = LivenessCheck(Challenge.BLINK, started_at=0.0)
    frames = synthetic.blink_sequence(frame, face, open_before=5, closed=2, open_after=4)
    state = check.state
    for i, image in enumerate(frames):
        found = detector.detect(image)[0]
        gray = image[:, :, 1]
        state = check.observe(found, eye_openness(gray, found), i / 15.0)
    assert state is LivenessState.PASSED


def test_still_photo_fails_the_blink_challenge(detector: FaceDetector, portrait) -> None:
    frame, _ = portrait
    rng = np.random.default_rng(7)
    check = LivenessCheck(Challenge.BLINK, 0.0, LivenessSettings(timeout_s=2.0))
    state = check.state
    for i in range(40):
        # A photo in front of a real sensor: the same picture with fresh sensor noise.
        noise = rng.normal(0, 3, frame.shape)
        image = np.clip(frame + noise, 0, 255).astype(np.uint8)
        found = detector.detect(image)[0]
        state = check.observe(found, eye_openness(image[:, :, 1], found), i / 15.0)
    assert state is LivenessState.TIMED_OUT


def test_eyes_shut_for_long_is_not_a_blink() -> None:
    check = LivenessCheck(Challenge.BLINK, started_at=0.0)
    t = 0.0
    for openness in [1.0, 1.0, 1.0] + [0.3] * 20 + [1.0] * 3:
        state = check.observe(face_with_yaw(0.0), openness, t)
        t += 1 / 15.0
    assert state is LivenessState.PENDING

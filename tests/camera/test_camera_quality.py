"""Detection and quality gates on the portrait and on composed bad frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import synthetic
from devices.camera.detector import MODEL_ENV, DetectorError, Face, FaceDetector
from devices.camera.quality import (
    INSTRUCTIONS,
    QualitySettings,
    Reason,
    assess,
    oval_guide,
)


def verdict_for(detector: FaceDetector, frame: np.ndarray):
    return assess(frame, detector.detect(frame))


def test_portrait_is_detected_with_landmarks_inside_the_box(
    detector: FaceDetector, portrait: tuple[np.ndarray, Face]
) -> None:
    frame, _ = portrait
    faces = detector.detect(frame)
    assert len(faces) == 1
    face = faces[0]
    assert face.score > 0.8
    x, y, w, h = face.box
    assert 0.2 < w / frame.shape[1] < 0.4
    for px, py in face.landmarks:
        assert x <= px <= x + w and y <= py <= y + h
    # The person's right eye is on the image's left; the nose lies between and below the eyes.
    assert face.right_eye[0] < face.nose[0] < face.left_eye[0]
    assert face.nose[1] > face.right_eye[1]


def test_detection_at_full_resolution_agrees_with_the_downscaled_default(
    portrait: tuple[np.ndarray, Face],
) -> None:
    frame, face = portrait
    full = FaceDetector(detect_width=None).detect(frame)
    assert len(full) == 1
    assert abs(full[0].centre[0] - face.centre[0]) < 10
    assert abs(full[0].width - face.width) < 0.15 * face.width


def test_portrait_passes_every_gate(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, portrait[0])
    assert verdict.ok, verdict.to_json()
    assert verdict.reasons == ()
    assert verdict.instruction == ("很好，请保持不动", "Good, please hold still")


def test_no_face_image_fails_with_no_face(detector: FaceDetector, no_face: np.ndarray) -> None:
    verdict = verdict_for(detector, no_face)
    assert verdict.reasons == (Reason.NO_FACE,)
    assert verdict.face is None


def test_two_faces_fail_with_multiple_faces(detector: FaceDetector, portrait) -> None:
    frame, face = portrait
    two = synthetic.side_by_side(frame, face.box)
    verdict = verdict_for(detector, two)
    assert verdict.face_count == 2
    assert verdict.reasons[0] is Reason.MULTIPLE_FACES


def test_far_away_face_is_told_to_move_closer(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.shrunk(portrait[0], 0.35))
    assert verdict.face is not None  # found, but too small
    assert verdict.reasons == (Reason.TOO_SMALL,)
    assert verdict.instruction == ("请靠近一些", "Please move closer")


def test_too_close_face_is_told_to_move_back(
    detector: FaceDetector, portrait_raw: np.ndarray
) -> None:
    box = detector.detect(portrait_raw)[0].box
    close = synthetic.kiosk_framing(portrait_raw, box, face_ratio=0.72)
    assert verdict_for(detector, close).reasons == (Reason.TOO_LARGE,)


def test_blurred_face_fails_only_on_sharpness(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.blurred(portrait[0], 4.0))
    assert verdict.reasons == (Reason.BLURRED,)
    assert verdict.metrics["sharpness"] < QualitySettings().min_sharpness


def test_dark_face_fails_as_dark_not_as_blurred(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.exposed(portrait[0], 0.25))
    assert verdict.reasons == (Reason.TOO_DARK,)


def test_black_frame_without_face_says_too_dark(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.exposed(portrait[0], 0.02))
    assert verdict.reasons[0] is Reason.TOO_DARK


def test_glare_fails_as_too_bright(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.exposed(portrait[0], 1.6, 40))
    assert verdict.reasons == (Reason.TOO_BRIGHT,)


def test_face_off_to_the_side_fails_as_off_centre(detector: FaceDetector, portrait) -> None:
    verdict = verdict_for(detector, synthetic.shifted(portrait[0], 150, 0))
    assert verdict.reasons == (Reason.OFF_CENTRE,)


def test_covered_eyes_fail_as_eyes_not_visible(detector: FaceDetector, portrait) -> None:
    frame, face = portrait
    covered = frame.copy()
    size = (int(face.eye_distance * 0.3), int(face.eye_distance * 0.2))
    for ex, ey in (face.right_eye, face.left_eye):
        cv2.ellipse(covered, (int(ex), int(ey)), size, 0, 0, 360, (20, 20, 20), -1)
    verdict = verdict_for(detector, covered)
    assert verdict.reasons == (Reason.EYES_NOT_VISIBLE,)


def test_every_reason_has_a_chinese_and_an_english_instruction() -> None:
    for reason in Reason:
        zh, en = INSTRUCTIONS[reason]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
        assert en and en.isascii()


def test_oval_guide_sits_at_the_configured_centre() -> None:
    guide = oval_guide(640, 480)
    assert (guide.centre_x, guide.centre_y) == (320, 216)
    assert guide.radius_y > guide.radius_x > 0.18 * 640 / 2


def test_missing_model_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DetectorError) as info:
        FaceDetector(tmp_path / "missing.onnx")
    assert "人脸" in info.value.message_zh


def test_model_path_can_be_overridden_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "other.onnx"))
    with pytest.raises(DetectorError, match="other.onnx"):
        FaceDetector()


def test_garbage_model_file_is_a_typed_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(DetectorError):
        FaceDetector(bad)


def test_non_image_array_is_a_typed_error(detector: FaceDetector) -> None:
    with pytest.raises(DetectorError):
        detector.detect(np.zeros((10, 10, 4), np.uint8))

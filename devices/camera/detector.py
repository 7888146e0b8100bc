"""Face detection with YuNet through `cv2.FaceDetectorYN` (opencv 4.x and 5.x alike).

The detector is created once; the input size is set per frame size. Kiosk frames show a face
at close range, and YuNet finds faces of about 10-300 px best, so frames wider than
`detect_width` are downscaled before detection (which also makes it several times faster);
boxes and landmarks are scaled back to the caller's frame coordinates.

    >>> detector = FaceDetector()                       # doctest: +SKIP
    >>> [face.score for face in detector.detect(frame)]  # doctest: +SKIP
    [0.93]
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from devices.status import CompletionCode, DeviceError

MODEL_ENV = "GOV_KIOSK_YUNET_MODEL"
_MODEL_NAME = "face_detection_yunet.onnx"

Point = tuple[float, float]


class DetectorError(DeviceError):
    """The face detector cannot run (model missing or unreadable, bad frame)."""

    code = CompletionCode.HARDWARE_ERROR
    message_zh = "人脸识别功能暂时无法使用，请联系工作人员。"
    message_en = "Face capture is not available right now. Please ask staff for help."


@dataclass(frozen=True)
class Face:
    """One detected face in frame pixel coordinates.

    Landmarks follow YuNet's order: the person's right eye (on the left of an unmirrored
    image), left eye, nose tip, right mouth corner, left mouth corner.
    """

    box: tuple[float, float, float, float]  # x, y, width, height
    score: float
    landmarks: tuple[Point, Point, Point, Point, Point]

    @property
    def right_eye(self) -> Point:
        return self.landmarks[0]

    @property
    def left_eye(self) -> Point:
        return self.landmarks[1]

    @property
    def nose(self) -> Point:
        return self.landmarks[2]

    @property
    def centre(self) -> Point:
        x, y, w, h = self.box
        return (x + w / 2.0, y + h / 2.0)

    @property
    def width(self) -> float:
        return self.box[2]

    @property
    def eye_distance(self) -> float:
        (ax, ay), (bx, by) = self.right_eye, self.left_eye
        return float(np.hypot(bx - ax, by - ay))

    def to_json(self) -> dict[str, object]:
        return {
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 4),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in self.landmarks],
        }


def default_model_path() -> Path:
    """The shipped model under assets/, unless GOV_KIOSK_YUNET_MODEL names another file."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "assets" / "models" / "yunet" / _MODEL_NAME


class FaceDetector:
    """YuNet behind a lock (one cv2 detector is not safe to share between threads)."""

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        score_threshold: float = 0.6,
        nms_threshold: float = 0.3,
        top_k: int = 50,
        detect_width: int | None = 320,
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise DetectorError(f"face model not found: {path}")
        self.model_path = path
        self.detect_width = detect_width
        try:
            self._net = cv2.FaceDetectorYN.create(
                str(path), "", (320, 240), score_threshold, nms_threshold, top_k
            )
        except cv2.error as exc:
            raise DetectorError(f"face model cannot be loaded: {path}: {exc.msg}") from None
        self._input_size = (320, 240)
        self._lock = threading.Lock()

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Faces in a BGR (or grey) frame, best score first."""
        return self._detect(frame, self.detect_width)

    def _detect(self, frame: np.ndarray, detect_width: int | None) -> list[Face]:
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.size == 0:
            raise DetectorError(f"not a BGR frame: shape {frame.shape}")
        height, width = frame.shape[:2]
        scale = 1.0
        image = frame
        if detect_width is not None and width > detect_width:
            scale = width / detect_width
            size = (detect_width, max(1, round(height / scale)))
            image = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        size = (image.shape[1], image.shape[0])
        with self._lock:
            if size != self._input_size:
                self._net.setInputSize(size)
                self._input_size = size
            _, rows = self._net.detect(np.ascontiguousarray(image))
        if rows is None:
            return []
        faces = [_face_from_row(row, scale) for row in rows]
        faces.sort(key=lambda f: f.score, reverse=True)
        return faces

    def locate_one(self, image: np.ndarray) -> tuple[Point, ...] | None:
        """The five landmarks of the largest face, or None: the locator the demo verifier uses.

        Stills are searched at up to 1280 px wide: landmarks are more precise at full size,
        and a still is not on the per-frame budget."""
        faces = self._detect(image, 1280)
        if not faces:
            return None
        return max(faces, key=lambda f: f.width).landmarks


def _face_from_row(row: np.ndarray, scale: float) -> Face:
    values = [float(v) * scale for v in row[:14]]
    box = (values[0], values[1], values[2], values[3])
    points = tuple((values[4 + 2 * i], values[5 + 2 * i]) for i in range(5))
    return Face(box=box, score=float(row[14]), landmarks=points)  # type: ignore[arg-type]

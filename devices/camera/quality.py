"""Quality gates a face must pass before a capture is accepted.

Each gate has a reason code and one plain instruction for the citizen in Chinese and English
(the UI shows the first failing one and may speak it). All thresholds live in one frozen
`QualitySettings`. Pure numpy/cv2 over a frame already in memory: no I/O, no Qt.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from devices.camera.detector import Face


class Reason(enum.Enum):
    """Why a frame is not good enough, in the order the citizen should fix things."""

    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    OFF_CENTRE = "off_centre"
    NOT_FRONTAL = "not_frontal"
    EYES_NOT_VISIBLE = "eyes_not_visible"
    BLURRED = "blurred"


INSTRUCTIONS: dict[Reason, tuple[str, str]] = {
    Reason.NO_FACE: (
        "请面向屏幕，把脸放进椭圆框内",
        "Please face the screen and fit your face in the oval",
    ),
    Reason.MULTIPLE_FACES: ("请只留一人在镜头前", "Only one person in front of the camera, please"),
    Reason.TOO_DARK: (
        "光线太暗，请靠近屏幕正面站好",
        "It is too dark. Please stand in front of the screen",
    ),
    Reason.TOO_BRIGHT: (
        "光线太强，请避开强光",
        "The light is too strong. Please step out of the glare",
    ),
    Reason.TOO_SMALL: ("请靠近一些", "Please move closer"),
    Reason.TOO_LARGE: ("请稍微后退一点", "Please move back a little"),
    Reason.OFF_CENTRE: ("请把脸移到椭圆框中间", "Please move your face to the middle of the oval"),
    Reason.NOT_FRONTAL: ("请正对屏幕", "Please look straight at the screen"),
    Reason.EYES_NOT_VISIBLE: (
        "请露出双眼，摘下墨镜或帽子",
        "Please make sure your eyes are visible: take off sunglasses or a hat",
    ),
    Reason.BLURRED: ("请保持不动", "Please hold still"),
}

HOLD_STILL: tuple[str, str] = ("很好，请保持不动", "Good, please hold still")


@dataclass(frozen=True)
class QualitySettings:
    """Every threshold of the gates (fractions are of the frame width/height)."""

    min_face_ratio: float = 0.18  # face box width / frame width
    max_face_ratio: float = 0.60
    # Faces narrower than this share of the main face are people far behind: not counted.
    other_face_min_share: float = 0.5
    guide_centre: tuple[float, float] = (0.5, 0.45)  # where the oval guide sits
    max_offset_x: float = 0.15
    max_offset_y: float = 0.15
    max_yaw: float = 0.15  # see yaw_ratio
    max_roll_deg: float = 20.0
    min_eye_distance_ratio: float = 0.3  # eye distance / face width
    min_eye_openness: float = 0.55  # see eye_openness
    min_sharpness: float = 30.0  # variance of the Laplacian on the 128x128 face crop
    min_brightness: float = 60.0  # mean grey level of the face
    max_brightness: float = 215.0
    frame_dark: float = 40.0  # whole-frame mean, used when no face was found
    frame_bright: float = 230.0


@dataclass(frozen=True)
class OvalGuide:
    """The oval the UI draws over the preview, in frame pixels."""

    centre_x: float
    centre_y: float
    radius_x: float
    radius_y: float


@dataclass(frozen=True)
class Verdict:
    """The gates' answer for one frame: `ok`, or the reasons in the order to fix them."""

    reasons: tuple[Reason, ...]
    face: Face | None
    face_count: int
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def instruction(self) -> tuple[str, str]:
        """(zh, en) sentence for the citizen: what to do about the first problem."""
        return INSTRUCTIONS[self.reasons[0]] if self.reasons else HOLD_STILL

    def to_json(self) -> dict[str, object]:
        zh, en = self.instruction
        return {
            "ok": self.ok,
            "reasons": [r.value for r in self.reasons],
            "instruction_zh": zh,
            "instruction_en": en,
            "face_count": self.face_count,
            "metrics": {k: round(v, 3) for k, v in self.metrics.items()},
        }


def oval_guide(width: int, height: int, settings: QualitySettings | None = None) -> OvalGuide:
    """The guide oval for a frame size: a face of ideal size fills it."""
    s = settings or QualitySettings()
    ideal = (s.min_face_ratio + s.max_face_ratio) / 2.0
    radius_x = width * ideal / 2.0 * 1.15
    return OvalGuide(
        s.guide_centre[0] * width, s.guide_centre[1] * height, radius_x, radius_x * 1.3
    )


def yaw_ratio(face: Face) -> float:
    """Horizontal nose offset from the eyes' midpoint, in eye distances.

    About 0 for a frontal face; a real head turn of about 20 degrees gives 0.2, because the
    nose tip stands in front of the eyes. Positive: the nose moves to the image's right, i.e.
    the citizen turns to their own left (the camera image is not mirrored).
    """
    (ax, _), (bx, _) = face.right_eye, face.left_eye
    distance = face.eye_distance
    if distance < 1e-6:
        return 0.0
    return (face.nose[0] - (ax + bx) / 2.0) / distance


def roll_degrees(face: Face) -> float:
    (ax, ay), (bx, by) = face.right_eye, face.left_eye
    return math.degrees(math.atan2(by - ay, bx - ax))


def eye_patches(gray: np.ndarray, face: Face) -> list[np.ndarray]:
    """Small grey patches centred on each eye landmark (empty if off the frame)."""
    half_w = max(2, int(face.eye_distance * 0.22))
    half_h = max(2, int(face.eye_distance * 0.11))
    patches = []
    for ex, ey in (face.right_eye, face.left_eye):
        cx, cy = int(round(ex)), int(round(ey))
        patches.append(gray[max(0, cy - half_h) : cy + half_h, max(0, cx - half_w) : cx + half_w])
    return patches


def eye_openness(gray: np.ndarray, face: Face) -> float:
    """Contrast in the eye regions relative to the whole face (about 1 open, well below shut).

    An open eye shows dark iris against white sclera; a closed lid, sunglasses or a hand are
    flat. Dividing by the face's own contrast cancels the lighting.
    """
    crop = face_crop(gray, face)
    face_std = float(crop.std()) if crop.size else 0.0
    patches = [p for p in eye_patches(gray, face) if p.size]
    if face_std < 1e-6 or len(patches) < 2:
        return 0.0
    return float(np.mean([p.std() for p in patches])) / face_std


def face_crop(image: np.ndarray, face: Face) -> np.ndarray:
    x, y, w, h = (int(round(v)) for v in face.box)
    return image[max(0, y) : y + h, max(0, x) : x + w]


def sharpness(gray: np.ndarray, face: Face) -> float:
    """Variance of the Laplacian on the face resized to 128x128 at a fixed contrast.

    Resizing makes it independent of the face's size, normalising of the lighting."""
    crop = face_crop(gray, face)
    if crop.size == 0:
        return 0.0
    crop = cv2.resize(crop, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32)
    # Normalise the contrast first, so that a dark face is reported as dark, not as blurred.
    spread = float(crop.std())
    if spread < 1e-3:
        return 0.0
    crop = (crop - float(crop.mean())) * (50.0 / spread)
    return float(cv2.Laplacian(crop, cv2.CV_32F).var())


def assess(
    frame: np.ndarray, faces: list[Face], settings: QualitySettings | None = None
) -> Verdict:
    """Run every gate on one BGR frame and the faces found in it."""
    s = settings or QualitySettings()
    height, width = frame.shape[:2]
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if not faces:
        level = float(gray.mean())
        metrics = {"frame_brightness": level}
        if level < s.frame_dark:
            return Verdict((Reason.TOO_DARK,), None, 0, metrics)
        if level > s.frame_bright:
            return Verdict((Reason.TOO_BRIGHT,), None, 0, metrics)
        return Verdict((Reason.NO_FACE,), None, 0, metrics)

    main = max(faces, key=lambda f: f.width)
    count = sum(1 for f in faces if f.width >= main.width * s.other_face_min_share)
    brightness = float(face_crop(gray, main).mean())
    cx, cy = main.centre
    metrics = {
        "score": main.score,
        "face_ratio": main.width / width,
        "offset_x": cx / width - s.guide_centre[0],
        "offset_y": cy / height - s.guide_centre[1],
        "brightness": brightness,
        "yaw": yaw_ratio(main),
        "roll_deg": roll_degrees(main),
        "eye_distance_ratio": main.eye_distance / max(main.width, 1e-6),
        "eye_openness": eye_openness(gray, main),
        "sharpness": sharpness(gray, main),
    }
    reasons: list[Reason] = []
    if count > 1:
        reasons.append(Reason.MULTIPLE_FACES)
    if brightness < s.min_brightness:
        reasons.append(Reason.TOO_DARK)
    elif brightness > s.max_brightness:
        reasons.append(Reason.TOO_BRIGHT)
    if metrics["face_ratio"] < s.min_face_ratio:
        reasons.append(Reason.TOO_SMALL)
    elif metrics["face_ratio"] > s.max_face_ratio:
        reasons.append(Reason.TOO_LARGE)
    if abs(metrics["offset_x"]) > s.max_offset_x or abs(metrics["offset_y"]) > s.max_offset_y:
        reasons.append(Reason.OFF_CENTRE)
    if abs(metrics["yaw"]) > s.max_yaw:
        reasons.append(Reason.NOT_FRONTAL)
    if (
        metrics["eye_distance_ratio"] < s.min_eye_distance_ratio
        or abs(metrics["roll_deg"]) > s.max_roll_deg
        or metrics["eye_openness"] < s.min_eye_openness
    ):
        reasons.append(Reason.EYES_NOT_VISIBLE)
    if metrics["sharpness"] < s.min_sharpness:
        reasons.append(Reason.BLURRED)
    return Verdict(tuple(reasons), main, count, metrics)

"""Frames composed in memory from a still portrait, for the camera simulator, tests and benches.

A kiosk camera sees one citizen at arm's length; the shipped test portrait is a studio photo.
These helpers re-frame it as a kiosk camera would, and derive the cases the quality gates and
the liveness check must tell apart (two people, a face far away, blur, bad light, a blink).
Pure numpy/cv2: nothing here reads or writes files.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera.detector import Face

Box = tuple[float, float, float, float]


def kiosk_framing(
    image: np.ndarray,
    face_box: Box,
    size: tuple[int, int] = (640, 480),
    face_ratio: float = 0.28,
    centre: tuple[float, float] = (0.5, 0.45),
) -> np.ndarray:
    """Crop and scale `image` so the face spans `face_ratio` of the frame width at `centre`."""
    width, height = size
    x, y, w, h = face_box
    scale = width * face_ratio / w
    fx, fy = x + w / 2.0, y + h / 2.0
    tx = centre[0] * width - fx * scale
    ty = centre[1] * height - fy * scale
    matrix = np.array([[scale, 0, tx], [0, scale, ty]], dtype=np.float32)
    return np.asarray(
        cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    )


def side_by_side(frame: np.ndarray, face_box: Box) -> np.ndarray:
    """Two people in one frame: the face crop shrunk and repeated left and right."""
    height, width = frame.shape[:2]
    x, y, w, h = (int(v) for v in face_box)
    pad_w, pad_h = int(w * 0.4), int(h * 0.4)
    crop = frame[max(0, y - pad_h) : y + h + pad_h, max(0, x - pad_w) : x + w + pad_w]
    target_w = width // 2 - 20
    scale = min(target_w / crop.shape[1], (height - 40) / crop.shape[0])
    small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    out = np.full_like(frame, 200)
    sh, sw = small.shape[:2]
    top = (height - sh) // 2
    out[top : top + sh, 10 : 10 + sw] = small
    out[top : top + sh, width - 10 - sw : width - 10] = small
    return out


def shrunk(frame: np.ndarray, factor: float = 0.35) -> np.ndarray:
    """The same scene seen from further away: scaled down, centred on a grey background."""
    height, width = frame.shape[:2]
    small = cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    out = np.full_like(frame, 128)
    sh, sw = small.shape[:2]
    top, left = (height - sh) // 2, (width - sw) // 2
    out[top : top + sh, left : left + sw] = small
    return out


def blurred(frame: np.ndarray, sigma: float = 4.0) -> np.ndarray:
    """Out of focus or moving."""
    return np.asarray(cv2.GaussianBlur(frame, (0, 0), sigma))


def exposed(frame: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    """Darker (gain < 1) or brighter (gain > 1, offset > 0) lighting."""
    out = frame.astype(np.float32) * gain + offset
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


def shifted(frame: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The citizen standing off to one side."""
    matrix = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    size = (frame.shape[1], frame.shape[0])
    return np.asarray(cv2.warpAffine(frame, matrix, size, borderMode=cv2.BORDER_REPLICATE))


def eyes_closed(frame: np.ndarray, face: Face) -> np.ndarray:
    """The frame with both eyes shut: each eye covered by an eyelid of the cheek's colour.

    The lid colour is sampled just below each eye, and a thin dark lash line is drawn, so the
    eye region loses the contrast of iris against sclera, as a real closed eye does.
    """
    out = frame.copy()
    distance = face.eye_distance
    half_w, half_h = int(distance * 0.22), int(distance * 0.11)
    for ex, ey in (face.right_eye, face.left_eye):
        cx, cy = int(round(ex)), int(round(ey))
        cheek = frame[cy + 2 * half_h : cy + 3 * half_h, cx - half_w : cx + half_w]
        colour = tuple(float(c) for c in cheek.reshape(-1, 3).mean(axis=0))
        cv2.ellipse(out, (cx, cy), (half_w, half_h + 2), 0, 0, 360, colour, -1, cv2.LINE_AA)
        cv2.ellipse(
            out,
            (cx, cy + 2),
            (half_w, max(2, half_h // 3)),
            0,
            20,
            160,
            (70, 70, 80),
            1,
            cv2.LINE_AA,
        )
    # Soften the painted edges so the lid is not a sharp sticker.
    x0, y0 = int(face.box[0]), int(min(face.right_eye[1], face.left_eye[1]) - 2 * half_h)
    x1 = int(face.box[0] + face.box[2])
    y1 = int(max(face.right_eye[1], face.left_eye[1]) + 2 * half_h)
    region = out[max(0, y0) : y1, max(0, x0) : x1]
    out[max(0, y0) : y1, max(0, x0) : x1] = cv2.GaussianBlur(region, (0, 0), 1.2)
    return out


def blink_sequence(
    frame: np.ndarray, face: Face, open_before: int = 6, closed: int = 2, open_after: int = 6
) -> list[np.ndarray]:
    """Open eyes, a short blink, open eyes again: what a live citizen does without asking."""
    shut = eyes_closed(frame, face)
    return [frame] * open_before + [shut] * closed + [frame] * open_after

"""Face comparison without a recognition model: landmark alignment plus texture descriptors.

Both images are aligned on their five landmarks to the common 112x112 five-point template
(the one face-recognition models use), equalised with CLAHE, and described by histograms of
gradient orientation (edge directions) and uniform LBP (local texture) over a grid of cells.
(OpenCV 5 no longer ships `cv2.HOGDescriptor`, so the few lines of both are here.)
The score is the mean of the two cosine similarities, in [0, 1].

Limits, plainly: this tells *the same photo seen again* (re-framed, re-compressed, re-lit a
little) from a clearly different face, which is what the demo needs. It is not face
recognition: it is not robust to age, pose, expression or glasses, and two people who look
alike may score high. A real terminal uses the public-security verification service
(`HttpFaceVerifier`), never this.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Point = tuple[float, float]

# The widely used 112x112 five-point reference (eyes, nose tip, mouth corners).
TEMPLATE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)

_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


def _uniform_lbp_table() -> np.ndarray:
    """Map each 8-bit LBP code to one of 59 bins: 58 uniform patterns and one for the rest."""
    table = np.full(256, 58, dtype=np.uint8)
    next_bin = 0
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
        if transitions <= 2:
            table[code] = next_bin
            next_bin += 1
    return table


_LBP_TABLE = _uniform_lbp_table()


def align(image: np.ndarray, landmarks: Sequence[Point]) -> np.ndarray:
    """The face warped onto the 112x112 template, as CLAHE-equalised grey."""
    src = np.asarray(landmarks, dtype=np.float32).reshape(5, 2)
    matrix, _ = cv2.estimateAffinePartial2D(src, TEMPLATE_112, method=cv2.LMEDS)
    if matrix is None:
        raise ValueError("landmarks cannot be aligned")
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    aligned = cv2.warpAffine(
        gray, matrix, (112, 112), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return _CLAHE.apply(aligned)


def lbp_histograms(face: np.ndarray, grid: int = 4) -> np.ndarray:
    """Uniform LBP (8 neighbours, radius 1) histograms over a grid of cells, concatenated."""
    f = face.astype(np.int16)
    centre = f[1:-1, 1:-1]
    offsets = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
    code = np.zeros_like(centre, dtype=np.uint8)
    h, w = centre.shape
    for bit, (dy, dx) in enumerate(offsets):
        neighbour = f[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        code |= (neighbour >= centre).astype(np.uint8) << bit
    bins = _LBP_TABLE[code]
    cells = []
    for rows in np.array_split(bins, grid, axis=0):
        for cell in np.array_split(rows, grid, axis=1):
            hist = np.bincount(cell.ravel(), minlength=59).astype(np.float32)
            cells.append(np.sqrt(hist / max(1, cell.size)))  # Hellinger: tames big bins
    return np.concatenate(cells)


def gradient_histograms(face: np.ndarray, grid: int = 4, bins: int = 9) -> np.ndarray:
    """Magnitude-weighted histograms of unsigned gradient orientation per cell (HOG-like)."""
    f = face.astype(np.float32)
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
    magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
    index = ((angle % 180.0) / (180.0 / bins)).astype(np.int32) % bins
    cells = []
    for rows_i, rows_m in zip(
        np.array_split(index, grid, axis=0), np.array_split(magnitude, grid, axis=0), strict=True
    ):
        for cell_i, cell_m in zip(
            np.array_split(rows_i, grid, axis=1), np.array_split(rows_m, grid, axis=1), strict=True
        ):
            hist = np.bincount(cell_i.ravel(), weights=cell_m.ravel(), minlength=bins)
            cells.append(hist / (np.linalg.norm(hist) + 1e-6))
    return np.concatenate(cells).astype(np.float32)


def describe(aligned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Coarse cells and a light blur: landmark jitter of a few pixels must not move the score.
    smooth = cv2.GaussianBlur(aligned, (0, 0), 1.0)
    return gradient_histograms(smooth, grid=4), lbp_histograms(smooth, grid=4)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / denominator if denominator > 0 else 0.0


def similarity(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """0 (unrelated) to 1 (identical) for two `describe` results."""
    score = (_cosine(a[0], b[0]) + _cosine(a[1], b[1])) / 2.0
    return max(0.0, min(1.0, score))

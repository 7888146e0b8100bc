"""kiosk-admin face detect: run the camera's face detector and quality gates on one image.

For checking a camera position or a lighting change with a saved test picture; the image is
only read, never copied or written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from devices.camera.detector import DetectorError, FaceDetector
from devices.camera.quality import assess
from kiosk.cli import CliError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    face = subparsers.add_parser("face", help="face capture tools")
    sub = face.add_subparsers(dest="face_command", required=True, metavar="ACTION")
    detect = sub.add_parser(
        "detect",
        help="detect faces in an image and judge it with the quality gates",
        description="Detect faces in an image file and print the quality verdict. Exit 0 when "
        "the image would be accepted, 2 when a gate fails, 1 on an unreadable file.",
    )
    detect.add_argument("--image", required=True, type=Path, help="image file (PNG, JPEG, ...)")
    detect.add_argument("--json", action="store_true", help="print the result as JSON")
    detect.add_argument("--model", type=Path, help="YuNet ONNX model (default: the shipped one)")
    detect.set_defaults(handler=cmd_detect)


# Far above any camera frame (4K is 8.3 million pixels), far below what would exhaust memory:
# a 30000x30000 PNG is under a megabyte on disk and 2.7 GB decoded.
MAX_PIXELS = 40_000_000


def _read_image(path: Path) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    width, height = _header_size(path, data)
    if width * height > MAX_PIXELS:
        raise CliError(f"{path}: {width}x{height} is too large to be a camera picture "
                       f"(limit {MAX_PIXELS // 1_000_000} million pixels); not decoded")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise CliError(f"{path}: not an image file OpenCV can decode")
    return image


def _header_size(path: Path, data: bytes) -> tuple[int, int]:
    """The image's dimensions from its header alone (Pillow reads no pixels to say them)."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    if not data:
        raise CliError(f"{path}: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                return header.size
    except Image.DecompressionBombError:
        raise CliError(f"{path}: too large to be a camera picture; not decoded") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise CliError(f"{path}: not an image file") from None


def cmd_detect(args: argparse.Namespace) -> int:
    # OpenCV's own notices (e.g. about its DNN engine) are not for the admin's terminal.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    image = _read_image(args.image)
    try:
        detector = FaceDetector(args.model)
        faces = detector.detect(image)
    except DetectorError as exc:
        raise CliError(str(exc)) from None
    verdict = assess(image, faces)
    height, width = image.shape[:2]
    if args.json:
        out = {
            "image": str(args.image),
            "width": width,
            "height": height,
            "faces": [face.to_json() for face in faces],
            "quality": verdict.to_json(),
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{args.image}: {width}x{height}, {len(faces)} face(s)")
        for i, face in enumerate(faces, 1):
            x, y, w, h = face.box
            print(f"  face {i}: box x={x:.0f} y={y:.0f} w={w:.0f} h={h:.0f} score={face.score:.3f}")
        zh, en = verdict.instruction
        if verdict.ok:
            print("quality: ok")
        else:
            print("quality: " + ", ".join(r.value for r in verdict.reasons))
        print(f"instruction: {zh} / {en}")
    return 0 if verdict.ok else 2

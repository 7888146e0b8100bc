"""A simulated camera for the demo and tests: the same interface as the real `Camera`.

It plays still images, a scripted sequence of frames (for example the portrait, a blink and
the portrait again) or a video file, at a set frame rate, and can be unplugged and plugged
back in to exercise the NO_DEVICE -> ONLINE path. Images are held in memory only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from devices.camera import synthetic
from devices.camera.capture import FrameDevice
from devices.camera.detector import Face, FaceDetector


class SimulatedCamera(FrameDevice):
    """Plays `frames` in order at `fps`, looping unless `loop=False` (then holds the last)."""

    def __init__(
        self,
        frames: Sequence[np.ndarray] = (),
        *,
        fps: float = 15.0,
        width: int = 640,
        height: int = 480,
        loop: bool = True,
        video: Path | str | None = None,
        reopen_interval_s: float = 0.2,
    ) -> None:
        super().__init__(width, height, reopen_interval_s=reopen_interval_s)
        if not frames and video is None:
            raise ValueError("a simulated camera needs frames or a video file")
        self.fps = fps
        self.loop = loop
        self._lock = threading.Lock()
        self._frames = [self._fit(f) for f in frames]
        self._index = 0
        self._plugged = True
        self._video_path = Path(video) if video is not None else None
        self._video: cv2.VideoCapture | None = None
        self._next_at = 0.0
        self.publisher.publish(replace(self.publisher.status, info={"model": "simulator"}))

    @classmethod
    def from_images(cls, paths: Sequence[Path | str], **kwargs: object) -> SimulatedCamera:
        images = []
        for path in paths:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f"not a readable image: {path}")
            images.append(image)
        return cls(images, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def demo(
        cls,
        portrait: np.ndarray,
        detector: FaceDetector,
        *,
        blink_every_s: float = 2.0,
        fps: float = 15.0,
        width: int = 640,
        height: int = 480,
    ) -> SimulatedCamera:
        """The portrait framed as a kiosk camera sees a citizen, blinking now and then."""
        frame, face = framed_portrait(portrait, detector, (width, height))
        half = max(1, int(blink_every_s * fps) // 2)
        script = synthetic.blink_sequence(frame, face, half, 2, half)
        return cls(script, fps=fps, width=width, height=height)

    # -- scripting --------------------------------------------------------------------------

    def play(self, frames: Sequence[np.ndarray], loop: bool | None = None) -> None:
        """Switch to another script from the next frame on."""
        fitted = [self._fit(f) for f in frames]
        with self._lock:
            self._frames = fitted
            self._index = 0
            if loop is not None:
                self.loop = loop

    def unplug(self) -> None:
        """The cable is pulled: reads fail and reopening fails until `replug`."""
        with self._lock:
            self._plugged = False

    def replug(self) -> None:
        with self._lock:
            self._plugged = True

    # -- FrameDevice ------------------------------------------------------------------------

    def _fit(self, image: np.ndarray) -> np.ndarray:
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if image.shape[1] != self.width or image.shape[0] != self.height:
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return image

    def _open(self) -> bool:
        with self._lock:
            if not self._plugged:
                return False
        if self._video_path is not None:
            self._video = cv2.VideoCapture(str(self._video_path))
            if not self._video.isOpened():
                return False
        self._next_at = time.monotonic()
        return True

    def _read(self) -> np.ndarray | None:
        # Pace like a real camera: one frame per 1/fps, waking early when stopped.
        delay = self._next_at - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
        self._next_at = max(self._next_at + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)
        with self._lock:
            if not self._plugged:
                return None
            if self._video is not None:
                return self._read_video()
            frame = self._frames[self._index]
            if self._index + 1 < len(self._frames):
                self._index += 1
            elif self.loop:
                self._index = 0
            return frame

    def _read_video(self) -> np.ndarray | None:
        assert self._video is not None
        ok, image = self._video.read()
        if not ok and self.loop:
            self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._video.read()
        return image if ok else None

    def _close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None


def framed_portrait(
    portrait: np.ndarray, detector: FaceDetector, size: tuple[int, int] = (640, 480)
) -> tuple[np.ndarray, Face]:
    """The portrait re-framed as a kiosk camera sees a citizen, and the face found in it."""
    faces = detector.detect(portrait)
    if not faces:
        raise ValueError("no face in the portrait")
    frame = synthetic.kiosk_framing(portrait, faces[0].box, size)
    framed = detector.detect(frame)
    if not framed:
        raise ValueError("no face in the framed portrait")
    return frame, framed[0]

"""The camera driver: OpenCV capture on a worker thread, with the common device status.

`Camera` opens a device index ("0") or a V4L2 path ("/dev/video0"), keeps only the latest
frame in memory and survives the camera vanishing: the status goes NO_DEVICE while it is gone
and back to ONLINE when it returns (the worker keeps trying to reopen it). The simulator
(`devices.camera.simulator`) shares the same base class, so the rest of the terminal cannot
tell them apart. Frames are never written anywhere.

    cam = Camera("/dev/video0", 640, 480)
    cam.start()
    frame = cam.wait_frame(timeout=1.0)   # Frame(image=BGR ndarray, seq, timestamp) or None
    cam.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from devices.status import (
    CameraBlock,
    DeviceClass,
    DeviceError,
    DeviceState,
    DeviceStatus,
    FacePresence,
    StatusPublisher,
)

log = logging.getLogger(__name__)


class CameraUnavailable(DeviceError):
    """The camera is missing or stopped delivering frames."""

    message_zh = "摄像头暂时无法使用，请联系工作人员。"
    message_en = "The camera is not working right now. Please ask staff for help."


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR, height x width x 3; treat as read-only
    seq: int  # increases by one per frame, across reconnects
    timestamp: float  # time.monotonic() when it was read

    def __repr__(self) -> str:  # never dump pixels into a log
        return f"Frame(seq={self.seq}, shape={self.image.shape})"


class FrameSource(Protocol):
    """What the capture session and the UI need from a camera (real or simulated)."""

    publisher: StatusPublisher

    @property
    def status(self) -> DeviceStatus: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def latest(self) -> Frame | None: ...

    def wait_frame(self, after_seq: int = 0, timeout: float | None = None) -> Frame | None: ...

    def report_face(self, present: bool | None) -> None: ...


class FrameDevice:
    """Worker thread, latest frame and status handling shared by the camera and simulator.

    Subclasses implement `_open() -> bool`, `_read() -> np.ndarray | None` and `_close()`;
    they run on the worker thread only.
    """

    max_read_failures = 5  # consecutive failed reads before the device counts as gone

    def __init__(
        self, width: int = 640, height: int = 480, *, reopen_interval_s: float = 1.0
    ) -> None:
        self.width = width
        self.height = height
        self.reopen_interval_s = reopen_interval_s
        self.publisher = StatusPublisher(
            DeviceStatus(
                DeviceClass.CAMERA,
                DeviceState.STARTING,
                camera=CameraBlock(),
                capabilities={"resolution": f"{width}x{height}"},
            )
        )
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public interface -------------------------------------------------------------------

    @property
    def status(self) -> DeviceStatus:
        return self.publisher.status

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        with self._cond:
            self._latest = None  # drop the last picture of whoever stood there
        self._set_state(DeviceState.OFFLINE, "camera stopped")

    def __enter__(self) -> FrameDevice:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def latest(self) -> Frame | None:
        with self._cond:
            return self._latest

    def wait_frame(self, after_seq: int = 0, timeout: float | None = None) -> Frame | None:
        """The first frame newer than `after_seq`, or None when none comes within `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._latest is None or self._latest.seq <= after_seq:
                if self._stop.is_set():
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._latest

    def report_face(self, present: bool | None) -> None:
        """Whoever analyses frames says whether a face is in view (camera status block)."""
        face = (
            FacePresence.UNKNOWN
            if present is None
            else FacePresence.PRESENT
            if present
            else FacePresence.ABSENT
        )
        status = self.publisher.status
        self.publisher.publish(
            DeviceStatus(
                status.device_class,
                status.state,
                status.detail,
                camera=CameraBlock(face),
                capabilities=status.capabilities,
                info=status.info,
            )
        )

    # -- worker -----------------------------------------------------------------------------

    def _open(self) -> bool:
        raise NotImplementedError

    def _read(self) -> np.ndarray | None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _set_state(self, state: DeviceState, detail: str) -> None:
        status = self.publisher.status
        face = status.camera.face if status.camera and state.usable else FacePresence.UNKNOWN
        self.publisher.publish(
            DeviceStatus(
                DeviceClass.CAMERA,
                state,
                detail,
                camera=CameraBlock(face),
                capabilities=status.capabilities,
                info=status.info,
            )
        )

    def _run(self) -> None:
        opened = False
        failures = 0
        while not self._stop.is_set():
            if not opened:
                try:
                    opened = self._open()
                except Exception as exc:  # a driver error must not kill the worker
                    log.warning("camera open failed: %s", exc)
                    opened = False
                if not opened:
                    self._set_state(DeviceState.NO_DEVICE, "camera not found")
                    self._stop.wait(self.reopen_interval_s)
                    continue
                failures = 0
                self._set_state(DeviceState.ONLINE, "")
            try:
                image = self._read()
            except Exception as exc:
                log.warning("camera read failed: %s", exc)
                image = None
            if image is None:
                failures += 1
                if failures >= self.max_read_failures:
                    self._lose_device()
                    opened = False
                else:
                    self._stop.wait(0.02)
                continue
            failures = 0
            if image.shape[1] != self.width or image.shape[0] != self.height:
                image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
            with self._cond:
                self._seq += 1
                self._latest = Frame(image, self._seq, time.monotonic())
                self._cond.notify_all()
        self._safe_close()

    def _lose_device(self) -> None:
        self._safe_close()
        with self._cond:
            self._latest = None
            self._cond.notify_all()
        self._set_state(DeviceState.NO_DEVICE, "camera disconnected")

    def _safe_close(self) -> None:
        try:
            self._close()
        except Exception as exc:
            log.warning("camera close failed: %s", exc)


class _Capture(Protocol):
    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's names)

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def set(self, prop: int, value: float) -> bool: ...

    def release(self) -> None: ...


def parse_source(source: str | int) -> str | int:
    """ "0" -> 0 (a device index); anything else is a path such as /dev/video0."""
    if isinstance(source, int):
        return source
    text = source.strip()
    return int(text) if text.isdigit() else text


class Camera(FrameDevice):
    """A real camera through cv2.VideoCapture.

    `opener` builds the capture object (default `cv2.VideoCapture`); tests pass a fake one to
    make the device vanish and return, which no real machine does on demand.
    """

    def __init__(
        self,
        source: str | int,
        width: int = 640,
        height: int = 480,
        *,
        reopen_interval_s: float = 1.0,
        opener: Callable[[str | int], _Capture] | None = None,
    ) -> None:
        super().__init__(width, height, reopen_interval_s=reopen_interval_s)
        self.source = parse_source(source)
        self._opener = opener or cv2.VideoCapture
        self._cap: _Capture | None = None

    def _open(self) -> bool:
        cap = self._opener(self.source)
        if not cap.isOpened():
            cap.release()
            return False
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, float(self.width))
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, float(self.height))
        self._cap = cap
        return True

    def _read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, image = self._cap.read()
        return image if ok and image is not None and image.size else None

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

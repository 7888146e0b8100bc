"""One face capture as a state machine over frames, and a runner that feeds it from a camera.

Phases: SEARCHING (gates failing; the citizen gets one instruction at a time) -> a face that
passes every gate for `steady_s` -> CHALLENGE (liveness) -> the next frame that passes the gates
is encoded as JPEG bytes in memory -> ACCEPTED. A timeout or failed challenge costs one attempt;
after `max_attempts` the session ends FAILED with a plain message, so the flow can offer the
attendant or tell the citizen what to do. Never an endless loop, never a file.

`FaceCaptureSession` has no thread and no clock of its own (tests drive it with `now`);
`CaptureRunner` pulls frames from a camera on a worker thread and hands every `SessionUpdate`
(preview frame, instruction, oval guide, progress, seconds left) to a callback, which a Qt
screen re-emits as a signal.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from devices.camera.capture import CameraUnavailable, FrameSource
from devices.camera.detector import Face, FaceDetector
from devices.camera.liveness import (
    Challenge,
    LivenessCheck,
    LivenessSettings,
    LivenessState,
)
from devices.camera.quality import (
    OvalGuide,
    QualitySettings,
    Verdict,
    assess,
    eye_openness,
    oval_guide,
)
from devices.status import CommandCancelled, CompletionCode, DeviceError


class Phase(enum.Enum):
    SEARCHING = "searching"
    CHALLENGE = "challenge"
    CAPTURING = "capturing"  # challenge passed: waiting for one good frame
    ACCEPTED = "accepted"
    FAILED = "failed"


RETRY: tuple[str, str] = ("没有成功，我们再试一次", "That did not work. Let us try once more")
GAVE_UP: tuple[str, str] = (
    "人脸采集没有成功。请摘下帽子、口罩或墨镜，正对屏幕后重新办理，或请工作人员协助。",
    "We could not take your photo. Please take off any hat, mask or sunglasses, face the "
    "screen and start again, or ask staff for help.",
)
HOLD_FOR_PHOTO: tuple[str, str] = ("很好，请正对屏幕保持不动", "Good. Look at the screen, hold it")
DONE: tuple[str, str] = ("采集完成，谢谢", "Done, thank you")


class FaceCaptureFailed(DeviceError):
    """Every attempt failed: the citizen needs another way (or the attendant)."""

    code = CompletionCode.USER_ERROR
    message_zh, message_en = GAVE_UP


@dataclass(frozen=True)
class CaptureSettings:
    steady_s: float = 0.5  # gates must pass this long before the challenge
    attempt_timeout_s: float = 20.0  # to get a steady face, per attempt
    capture_timeout_s: float = 3.0  # after the challenge, to get one good frame
    max_attempts: int = 3
    challenges: tuple[Challenge, ...] = (Challenge.TURN_LEFT, Challenge.TURN_RIGHT)
    jpeg_quality: int = 90
    crop_margin: float = 0.5  # around the face box, as a share of its size, in the JPEG
    quality: QualitySettings = field(default_factory=QualitySettings)
    liveness: LivenessSettings = field(default_factory=LivenessSettings)


@dataclass(frozen=True)
class CapturedFace:
    """The accepted capture: a JPEG of the face with a margin, in memory only."""

    jpeg: bytes
    size: tuple[int, int]  # width, height of the JPEG
    challenge: Challenge
    metrics: dict[str, float]

    def __repr__(self) -> str:  # a face image never goes into a log
        return f"CapturedFace(<{len(self.jpeg)} bytes>, size={self.size})"


@dataclass(frozen=True)
class SessionUpdate:
    """Everything the preview screen shows for one frame."""

    phase: Phase
    instruction: tuple[str, str]  # (zh, en)
    guide: OvalGuide
    progress: float  # 0..1 over the whole capture
    seconds_left: float  # of the current step, for the countdown
    attempt: int  # 1-based
    max_attempts: int
    frame: np.ndarray | None = None  # the BGR preview frame (not mirrored)
    verdict: Verdict | None = None
    challenge: Challenge | None = None
    capture: CapturedFace | None = None

    def __repr__(self) -> str:
        return f"SessionUpdate(phase={self.phase.value}, attempt={self.attempt})"


class FaceCaptureSession:
    def __init__(
        self,
        detector: FaceDetector,
        settings: CaptureSettings | None = None,
        *,
        width: int = 640,
        height: int = 480,
        rng: random.Random | None = None,
    ) -> None:
        self.detector = detector
        self.settings = settings or CaptureSettings()
        self.guide = oval_guide(width, height, self.settings.quality)
        self._rng = rng or random.SystemRandom()
        self.phase = Phase.SEARCHING
        self.attempt = 1
        self.capture: CapturedFace | None = None
        self._step_started = 0.0
        self._steady_since: float | None = None
        self._liveness: LivenessCheck | None = None
        self._instruction = ("", "")
        self._started = False

    @property
    def done(self) -> bool:
        return self.phase in (Phase.ACCEPTED, Phase.FAILED)

    def start(self, now: float) -> None:
        self._started = True
        self._begin_attempt(now)
        self.attempt = 1

    def _begin_attempt(self, now: float) -> None:
        self.phase = Phase.SEARCHING
        self._step_started = now
        self._steady_since = None
        self._liveness = None

    def _fail_attempt(self, now: float) -> None:
        if self.attempt >= self.settings.max_attempts:
            self.phase = Phase.FAILED
            self._instruction = GAVE_UP
            return
        self.attempt += 1
        self._begin_attempt(now)
        self._instruction = RETRY

    def wipe(self) -> None:
        """Forget the captured face (end of the citizen's session)."""
        self.capture = None

    def feed(self, image: np.ndarray, now: float) -> SessionUpdate:
        """Advance with one camera frame."""
        if not self._started:
            self.start(now)
        if self.done:
            return self._update(now, image, None)
        faces = self.detector.detect(image)
        verdict = assess(image, faces, self.settings.quality)
        self._instruction = verdict.instruction
        if self.phase is Phase.SEARCHING:
            self._searching(image, verdict, now)
        elif self.phase is Phase.CHALLENGE:
            self._challenge(image, verdict, now)
        elif self.phase is Phase.CAPTURING:
            self._capturing(image, verdict, now)
        self._check_timeouts(now)
        return self._update(now, image, verdict)

    def tick(self, now: float) -> SessionUpdate:
        """Advance without a frame (the camera is late): only the timeouts move."""
        if not self._started:
            self.start(now)
        if not self.done:
            self._check_timeouts(now)
        return self._update(now, None, None)

    def _searching(self, image: np.ndarray, verdict: Verdict, now: float) -> None:
        if not verdict.ok:
            self._steady_since = None
            return
        if self._steady_since is None:
            self._steady_since = now
        if now - self._steady_since >= self.settings.steady_s:
            challenge = self._rng.choice(list(self.settings.challenges))
            self._liveness = LivenessCheck(challenge, now, self.settings.liveness)
            self.phase = Phase.CHALLENGE
            self._step_started = now
            self._instruction = self._liveness.instruction

    def _challenge(self, image: np.ndarray, verdict: Verdict, now: float) -> None:
        assert self._liveness is not None
        face: Face | None = verdict.face if verdict.face_count == 1 else None
        openness = verdict.metrics.get("eye_openness") if face is not None else None
        if face is not None and openness is None:
            openness = eye_openness(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), face)
        state = self._liveness.observe(face, openness, now)
        self._instruction = self._liveness.instruction
        if state is LivenessState.PASSED:
            self.phase = Phase.CAPTURING
            self._step_started = now
            self._instruction = HOLD_FOR_PHOTO
        elif state is LivenessState.TIMED_OUT:
            self._fail_attempt(now)

    def _capturing(self, image: np.ndarray, verdict: Verdict, now: float) -> None:
        if not verdict.ok or verdict.face is None or self._liveness is None:
            return
        self.capture = encode_face(image, verdict, self._liveness.challenge, self.settings)
        self.phase = Phase.ACCEPTED
        self._instruction = DONE

    def _check_timeouts(self, now: float) -> None:
        elapsed = now - self._step_started
        if self.phase is Phase.SEARCHING and elapsed > self.settings.attempt_timeout_s:
            self._fail_attempt(now)
        elif self.phase is Phase.CAPTURING and elapsed > self.settings.capture_timeout_s:
            self._fail_attempt(now)
        elif self.phase is Phase.CHALLENGE and self._liveness is not None:
            if self._liveness.check_timeout(now) is LivenessState.TIMED_OUT:
                self._fail_attempt(now)

    def _seconds_left(self, now: float) -> float:
        s = self.settings
        if self.phase is Phase.SEARCHING:
            return max(0.0, s.attempt_timeout_s - (now - self._step_started))
        if self.phase is Phase.CHALLENGE and self._liveness is not None:
            return self._liveness.remaining_s(now)
        if self.phase is Phase.CAPTURING:
            return max(0.0, s.capture_timeout_s - (now - self._step_started))
        return 0.0

    def _progress(self) -> float:
        if self.phase is Phase.ACCEPTED:
            return 1.0
        if self.phase is Phase.CHALLENGE and self._liveness is not None:
            return 0.3 + 0.6 * self._liveness.progress
        if self.phase is Phase.CAPTURING:
            return 0.9
        if self.phase is Phase.SEARCHING and self._steady_since is not None:
            return 0.15
        return 0.0

    def _update(
        self, now: float, image: np.ndarray | None, verdict: Verdict | None
    ) -> SessionUpdate:
        return SessionUpdate(
            phase=self.phase,
            instruction=self._instruction,
            guide=self.guide,
            progress=self._progress(),
            seconds_left=self._seconds_left(now),
            attempt=self.attempt,
            max_attempts=self.settings.max_attempts,
            frame=image,
            verdict=verdict,
            challenge=self._liveness.challenge if self._liveness is not None else None,
            capture=self.capture if self.phase is Phase.ACCEPTED else None,
        )


def encode_face(
    image: np.ndarray, verdict: Verdict, challenge: Challenge, settings: CaptureSettings
) -> CapturedFace:
    """Crop the face with a margin and encode it as JPEG bytes (cv2.imencode: memory only)."""
    assert verdict.face is not None
    x, y, w, h = verdict.face.box
    mx, my = w * settings.crop_margin, h * settings.crop_margin
    height, width = image.shape[:2]
    x0, y0 = max(0, int(x - mx)), max(0, int(y - my))
    x1, y1 = min(width, int(x + w + mx)), min(height, int(y + h + my))
    crop = image[y0:y1, x0:x1]
    ok, buffer = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, settings.jpeg_quality])
    if not ok:
        raise DeviceError("JPEG encoding failed")
    return CapturedFace(
        buffer.tobytes(), (crop.shape[1], crop.shape[0]), challenge, dict(verdict.metrics)
    )


class CaptureRunner:
    """Feeds a session from a camera on a worker thread; `on_update` gets every step.

    `result()` blocks until the end and returns the `CapturedFace`, or raises
    `FaceCaptureFailed`, `CameraUnavailable` (the camera vanished for longer than
    `device_grace_s`) or `CommandCancelled` (after `cancel()`).
    """

    def __init__(
        self,
        camera: FrameSource,
        session: FaceCaptureSession,
        on_update: Callable[[SessionUpdate], None] | None = None,
        *,
        device_grace_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.session = session
        self.on_update = on_update
        self.device_grace_s = device_grace_s
        self._clock = clock
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._error: DeviceError | None = None
        self._thread = threading.Thread(target=self._run, name="face-capture", daemon=True)

    def start(self) -> CaptureRunner:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def result(self, timeout: float | None = None) -> CapturedFace:
        if not self._done.wait(timeout):
            raise DeviceError("face capture still running")
        if self._error is not None:
            raise self._error
        assert self.session.capture is not None
        return self.session.capture

    def _emit(self, update: SessionUpdate) -> None:
        if self.on_update is not None:
            self.on_update(update)

    def _run(self) -> None:
        try:
            self._loop()
        except DeviceError as exc:
            self._error = exc
        finally:
            self.camera.report_face(None)
            self._done.set()

    def _loop(self) -> None:
        session = self.session
        session.start(self._clock())
        last_seq = 0
        last_frame_at = self._clock()
        while not session.done:
            if self._cancel.is_set():
                raise CommandCancelled("face capture cancelled")
            frame = self.camera.wait_frame(last_seq, timeout=0.2)
            now = self._clock()
            if frame is None:
                usable = self.camera.status.state.usable
                if not usable and now - last_frame_at > self.device_grace_s:
                    raise CameraUnavailable(f"camera {self.camera.status.state.value}")
                self._emit(session.tick(now))
                continue
            last_seq, last_frame_at = frame.seq, now
            update = session.feed(frame.image, now)
            if update.verdict is not None:
                self.camera.report_face(update.verdict.face is not None)
            self._emit(update)
        if session.phase is Phase.FAILED:
            raise FaceCaptureFailed("no acceptable live face after all attempts")


def capture_face(
    camera: FrameSource,
    detector: FaceDetector,
    settings: CaptureSettings | None = None,
    on_update: Callable[[SessionUpdate], None] | None = None,
    challenges: Sequence[Challenge] | None = None,
) -> CapturedFace:
    """Blocking convenience: one capture from a started camera."""
    s = settings or CaptureSettings()
    if challenges is not None:
        from dataclasses import replace

        s = replace(s, challenges=tuple(challenges))
    status = camera.status
    width, height = (int(v) for v in status.capabilities.get("resolution", "640x480").split("x"))
    session = FaceCaptureSession(detector, s, width=width, height=height)
    return CaptureRunner(camera, session, on_update).start().result()

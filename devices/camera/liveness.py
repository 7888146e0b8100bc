"""An offline liveness challenge judged from YuNet's five landmarks over frames.

What five landmarks can and cannot tell, honestly:

- Head turn (`TURN_LEFT`/`TURN_RIGHT`) is the robust one. The nose tip stands in front of the
  eyes, so when a head turns the nose moves sideways relative to the eyes' midpoint
  (`quality.yaw_ratio`), while a flat photo moved, tilted in the image plane or brought closer
  keeps that ratio near zero. The citizen must start frontal, turn past `turn_yaw` in the asked
  direction and come back, all within the timeout, with the same face tracked throughout.
- Blink is weaker. Five points do not include eyelids, so a blink is judged from the contrast
  of the eye regions (`quality.eye_openness`): it must drop well below the citizen's own
  baseline for a short moment and come back. Lighting flicker can imitate it and heavy glasses
  can hide it; use it where a turn is impractical, not as a strong defence.

Neither stops a replayed video or a mask: this is a presence check that makes a still photo
fail, not a certified presentation-attack detector. Pure logic: no I/O, no clock of its own
(callers pass `now`), so tests drive it frame by frame.
"""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass

from devices.camera.detector import Face
from devices.camera.quality import yaw_ratio


class Challenge(enum.Enum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"  # the citizen's own left
    TURN_RIGHT = "turn_right"


CHALLENGE_INSTRUCTIONS: dict[Challenge, tuple[str, str]] = {
    Challenge.BLINK: ("请看着屏幕，眨一眨眼", "Please look at the screen and blink"),
    Challenge.TURN_LEFT: (
        "请慢慢向左转头，再转回来",
        "Please turn your head slowly to your left, then back",
    ),
    Challenge.TURN_RIGHT: (
        "请慢慢向右转头，再转回来",
        "Please turn your head slowly to your right, then back",
    ),
}


class LivenessState(enum.Enum):
    PENDING = "pending"
    PASSED = "passed"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class LivenessSettings:
    timeout_s: float = 8.0
    turn_yaw: float = 0.2  # |yaw| the turn must reach
    frontal_yaw: float = 0.1  # |yaw| that counts as looking straight
    blink_baseline_frames: int = 3
    blink_closed_share: float = 0.65  # openness below baseline * this counts as shut
    blink_open_share: float = 0.85  # and above baseline * this as open again
    blink_max_closed_s: float = 0.8  # a longer "blink" is a hand or a lid held shut
    max_face_jump: float = 0.5  # of the face width, between two frames
    max_face_lost_s: float = 0.6


class LivenessCheck:
    """One challenge over frames: call `observe` per frame until it is no longer PENDING."""

    def __init__(
        self, challenge: Challenge, started_at: float, settings: LivenessSettings | None = None
    ) -> None:
        self.challenge = challenge
        self.settings = settings or LivenessSettings()
        self.started_at = started_at
        self.state = LivenessState.PENDING
        self._last_face: Face | None = None
        self._last_seen = started_at
        self._reset_progress()

    def _reset_progress(self) -> None:
        self._step = 0  # turn: 0 wait frontal, 1 wait turned, 2 wait back; blink: 0/1/2 alike
        self._baseline: list[float] = []
        self._closed_at = 0.0

    @property
    def instruction(self) -> tuple[str, str]:
        return CHALLENGE_INSTRUCTIONS[self.challenge]

    @property
    def progress(self) -> float:
        """0 to 1, for a progress ring in the UI."""
        if self.state is LivenessState.PASSED:
            return 1.0
        return self._step / 3.0

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.settings.timeout_s - (now - self.started_at))

    def check_timeout(self, now: float) -> LivenessState:
        """Time passes without a frame."""
        if self.state is LivenessState.PENDING and now - self.started_at > self.settings.timeout_s:
            self.state = LivenessState.TIMED_OUT
        return self.state

    def observe(self, face: Face | None, openness: float | None, now: float) -> LivenessState:
        """Feed one frame's main face (None if none) and its eye openness."""
        if self.state is not LivenessState.PENDING:
            return self.state
        if self.check_timeout(now) is LivenessState.TIMED_OUT:
            return self.state
        if face is None:
            if now - self._last_seen > self.settings.max_face_lost_s:
                self._reset_progress()
                self._last_face = None
            return self.state
        if self._last_face is not None and self._jumped(self._last_face, face):
            self._reset_progress()  # a different face (or photo) was swapped in: start over
        self._last_face = face
        self._last_seen = now
        if self.challenge is Challenge.BLINK:
            self._observe_blink(face, openness, now)
        else:
            self._observe_turn(face)
        return self.state

    def _jumped(self, previous: Face, face: Face) -> bool:
        (ax, ay), (bx, by) = previous.centre, face.centre
        limit = self.settings.max_face_jump * max(previous.width, face.width)
        size_change = abs(face.width - previous.width) / max(previous.width, 1e-6)
        return ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5 > limit or size_change > 0.4

    def _observe_turn(self, face: Face) -> None:
        s = self.settings
        yaw = yaw_ratio(face)
        # The camera image is not mirrored: a turn to the citizen's left moves the nose to
        # the image's right, i.e. a positive yaw.
        signed = yaw if self.challenge is Challenge.TURN_LEFT else -yaw
        if self._step == 0 and abs(yaw) <= s.frontal_yaw:
            self._step = 1
        elif self._step == 1 and signed >= s.turn_yaw:
            self._step = 2
        elif self._step == 2 and abs(yaw) <= s.frontal_yaw:
            self._step = 3
            self.state = LivenessState.PASSED

    def _observe_blink(self, face: Face, openness: float | None, now: float) -> None:
        s = self.settings
        if openness is None or abs(yaw_ratio(face)) > s.frontal_yaw:
            return
        if self._step == 0:
            self._baseline.append(openness)
            if len(self._baseline) >= s.blink_baseline_frames:
                self._step = 1
            return
        base = statistics.median(self._baseline)
        if self._step == 1:
            if openness < base * s.blink_closed_share:
                self._step = 2
                self._closed_at = now
            else:
                # Keep the baseline current (light changes slowly), bounded in size.
                self._baseline = (self._baseline + [openness])[-9:]
        elif self._step == 2:
            if now - self._closed_at > s.blink_max_closed_s:
                self._reset_progress()
            elif openness > base * s.blink_open_share:
                self._step = 3
                self.state = LivenessState.PASSED

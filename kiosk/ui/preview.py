"""Turning whatever the face check offers as a preview into one shape the face screen draws.

The frames source is a callable polled by the screen (or a Qt signal that pushes items); an
item may be None (no frame yet), a bare
BGR numpy frame, or an object with `frame` and any of `instruction` ((zh, en)),
`instruction_zh`/`instruction_en`, `seconds_left` and `guide` (an oval with centre_x, centre_y,
radius_x, radius_y in frame pixels). Pure: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy loads with the first frame, not with the attract screen
    import numpy as np


@dataclass(frozen=True)
class Oval:
    centre_x: float
    centre_y: float
    radius_x: float
    radius_y: float


@dataclass(frozen=True)
class PreviewFrame:
    frame: np.ndarray | None  # H x W x 3, BGR, uint8
    instruction: tuple[str, str] | None = None
    seconds_left: float | None = None
    guide: Oval | None = None

    def __repr__(self) -> str:  # a face image never ends up in a log line
        shape = None if self.frame is None else self.frame.shape
        return f"PreviewFrame(frame={shape}, seconds_left={self.seconds_left})"


def default_guide(width: int, height: int) -> Oval:
    """An upright oval in the middle of the frame, for sources that do not send their own."""
    radius_x = width * 0.22
    return Oval(width / 2, height * 0.48, radius_x, min(radius_x * 1.3, height * 0.45))


def coerce_preview(item: Any) -> PreviewFrame | None:
    """Normalise one item from a frames source; anything unusable gives None."""
    if item is None:
        return None
    import numpy as np

    if isinstance(item, np.ndarray):
        return PreviewFrame(_usable(item))
    frame = _usable(getattr(item, "frame", None))
    instruction = getattr(item, "instruction", None)
    if instruction is None:
        zh, en = getattr(item, "instruction_zh", None), getattr(item, "instruction_en", None)
        instruction = (zh, en) if isinstance(zh, str) and isinstance(en, str) else None
    elif not (isinstance(instruction, tuple) and len(instruction) == 2):
        instruction = None
    seconds = getattr(item, "seconds_left", None)
    guide = getattr(item, "guide", None)
    oval = None
    if guide is not None and all(
        hasattr(guide, a) for a in ("centre_x", "centre_y", "radius_x", "radius_y")
    ):
        oval = Oval(float(guide.centre_x), float(guide.centre_y), float(guide.radius_x),
                    float(guide.radius_y))
    return PreviewFrame(
        frame, instruction, float(seconds) if isinstance(seconds, int | float) else None, oval
    )


def _usable(frame: Any) -> np.ndarray | None:
    import numpy as np

    if (
        isinstance(frame, np.ndarray)
        and frame.ndim == 3
        and frame.shape[2] == 3
        and frame.dtype == np.uint8
        and frame.shape[0] > 0
        and frame.shape[1] > 0
    ):
        return np.ascontiguousarray(frame)
    return None

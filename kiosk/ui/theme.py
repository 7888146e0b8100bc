"""The look: one stylesheet (assets/qss/kiosk.qss), the CJK font, and elderly-mode scaling.

`scale_font_sizes` is pure text work so it can be tested without Qt; the Qt part only loads the
file and sets the application font (without an explicit font Qt may fall back to a serif face
that lacks many CJK glyphs).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

FONT_FAMILY = "WenQuanYi Zen Hei"
ELDERLY_SCALE = 1.3
# The search box's hint text (QSS cannot set it): 7:1 on the field's white.
PLACEHOLDER_COLOR = "#4d5866"
QSS_PATH = Path(__file__).resolve().parents[2] / "assets" / "qss" / "kiosk.qss"

_FONT_SIZE = re.compile(r"(font-size\s*:\s*)(\d+(?:\.\d+)?)px")


def scale_font_sizes(qss: str, factor: float) -> str:
    """Multiply every `font-size: Npx` in a stylesheet by `factor` (rounded to whole px)."""
    if factor <= 0:
        raise ValueError("scale factor must be positive")
    return _FONT_SIZE.sub(lambda m: f"{m.group(1)}{round(float(m.group(2)) * factor)}px", qss)


@lru_cache(maxsize=1)
def _base_qss() -> str:
    return QSS_PATH.read_text(encoding="utf-8")


def stylesheet(elderly: bool = False) -> str:
    """The kiosk stylesheet; in elderly mode every text is ELDERLY_SCALE times bigger."""
    qss = _base_qss()
    return scale_font_sizes(qss, ELDERLY_SCALE) if elderly else qss


def apply_app_font() -> None:
    """Set the CJK sans font on the running QApplication."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if isinstance(app, QApplication):
        font = QFont(FONT_FAMILY)
        font.setPixelSize(30)
        app.setFont(font)

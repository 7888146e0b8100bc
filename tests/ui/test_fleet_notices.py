"""Notices a fleet's centre sets appear on the attract screen, and a new hall phone with them,
with no restart: the page paints from its context, which the fleet link updates."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from kiosk.ui.screens.attract import AttractPage
from kiosk.ui.screens.base import UiContext
from services_catalog.catalog import Catalog


def lower_half(page: AttractPage) -> QImage:
    """Where notices and the phone are drawn. The big greeting above is left out: after many
    other pictures in one process, Qt may rasterise its glyphs again a pixel differently."""
    image = page.grab().toImage()
    return image.copy(QRect(0, image.height() // 2, image.width(), image.height() // 2))


class NoRunner:
    def dispatch(self, event: Any) -> None:
        return None


def test_notices_and_a_new_hall_phone_show_on_the_attract_screen(qtbot: Any,
                                                                 catalog: Catalog) -> None:
    ctx = UiContext(NoRunner(), catalog, "大厅", "Hall", "12345", "T-1", demo=False)
    page = AttractPage(ctx)
    qtbot.addWidget(page)  # deleted with the test, not at interpreter exit after Qt is gone
    page.resize(1920, 1080)
    plain = lower_half(page)
    ctx.notices = (("今晚 22:00 系统维护", "Maintenance tonight at 22:00"),)
    with_notice = lower_half(page)
    assert with_notice != plain
    ctx.notices = ()
    assert lower_half(page) == plain  # nothing else moved between the two pictures
    ctx.hall_phone = "0371-6543"
    assert lower_half(page) != plain

"""Every screen fits the panel, landscape and portrait, normal and elderly text, zh and en:
nothing may need more room than the window has (it would be clipped on a real panel)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication
from ui_harness import PERSON, Kiosk, sample_result

from kiosk.flow import Message, Screen, SessionState
from kiosk.ui import theme
from services_catalog.model import Category


def states(catalog) -> dict[Screen, SessionState]:
    """A populated state for every screen (the heaviest content the catalog has)."""
    service = catalog.get("real_estate.registration_info")
    inputs_service = catalog.get("electricity.payment_records")
    widest = max(catalog.services, key=lambda s: len(s.result_fields))
    base = SessionState(token="t", category=Category.HOUSING_FUND, person=PERSON)
    message = Message("后台系统暂时无法连接，请稍后再试。"
                      "这是一段比较长的说明文字，用来检查换行是否正常。",
                      "The back-end cannot be reached right now. Please try again in a few "
                      "minutes; this is a long sentence to check that it wraps.",
                      can_retry=True, offer_attendant=True)
    return {
        Screen.ATTRACT: SessionState(),
        Screen.HOME: base,
        Screen.SERVICE_LIST: base,
        Screen.PLACE_CARD: replace(base, service=service),
        Screen.FACE: replace(base, service=service),
        Screen.INPUTS: replace(base, service=inputs_service),
        Screen.QUERYING: replace(base, service=service),
        Screen.RESULT: replace(base, service=widest, result=sample_result(widest)),
        Screen.PRINTING: replace(base, service=service),
        Screen.DONE: replace(base, verification_code="K7Q2-9XHD"),
        Screen.ERROR: replace(base, message=message),
        Screen.OUT_OF_SERVICE: SessionState(screen=Screen.OUT_OF_SERVICE, devices_ok=False),
        Screen.PRINT_KEPT: replace(base, service=service, message=message,
                                   verification_code="K7Q2-9XHD-M4PA-3RTW", slip_printed=True),
        Screen.COLLECTING: replace(base, collecting=True),
        Screen.ALL_SERVICES: base,
    }


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_every_screen_fits_the_panel(qtbot, catalog, size):
    kiosk = Kiosk(qtbot, catalog, size)
    w = kiosk.window
    try:
        for elderly in (False, True):
            w.setStyleSheet(theme.stylesheet(elderly=elderly))
            for language in ("zh", "en"):
                for screen, state in states(catalog).items():
                    page = w.pages[screen]
                    page.clear()
                    page.show_state(replace(state, language=language, elderly=elderly))
                    w.stack.setCurrentWidget(page)
                    QApplication.processEvents()
                    need = page.minimumSizeHint()
                    room = w.stack.size()
                    where = f"{screen.name} {language} elderly={elderly} {size}"
                    assert need.width() <= room.width(), f"{where}: too wide {need}"
                    assert need.height() <= room.height(), f"{where}: too tall {need}"
                w.bar.show_state(language, elderly, 60, True)
                assert w.bar.minimumSizeHint().width() <= size[0], f"bar {language} {elderly}"
                assert w.size().toTuple() == size
        for page in (w.pin_pad, w.attendant_panel):
            assert page.minimumSizeHint().height() <= w.stack.height() + w.bar.height()
    finally:
        w.close()

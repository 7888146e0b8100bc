"""Lockdown inside the window (offscreen): no Cut/Copy/Paste menu on a text field, no input
from a physical keyboard (the window manager's close: test_lockdown_x11.py)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from ui_harness import Kiosk

from kiosk import flow


def _search(kiosk: Kiosk) -> QLineEdit:
    kiosk.runner.dispatch(flow.Touch())
    kiosk.wait_screen(flow.Screen.HOME)
    search = kiosk.window.findChild(QLineEdit, "Search")
    assert search is not None
    return search


def test_a_long_press_on_the_search_field_opens_no_menu(kiosk: Kiosk) -> None:
    search = _search(kiosk)
    menus: list[QWidget] = []

    def close_popup() -> None:  # without the lockdown a menu opens and waits in its own loop
        popup = QApplication.activePopupWidget()
        if popup is not None:
            menus.append(popup)
            popup.close()

    QTimer.singleShot(300, close_popup)
    point = QPoint(10, 10)
    press = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, search.mapToGlobal(point))
    QApplication.sendEvent(search, press)
    close_popup()
    assert menus == []
    for field in kiosk.window.findChildren(QLineEdit):
        # A plain QLineEdit added to a page later is covered by the window's filter too.
        press = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, point,
                                  field.mapToGlobal(point))
        QTimer.singleShot(300, close_popup)
        QApplication.sendEvent(field, press)
        close_popup()
    assert menus == []


def test_a_physical_keyboard_types_nothing(kiosk: Kiosk) -> None:
    search = _search(kiosk)
    search.setFocus()
    kiosk.qtbot.keyClicks(search, "zw")
    assert search.text() == ""


"""No text is cut off: every screen and overlay, in Chinese and English, normal and large text,
landscape and portrait (8 combinations). A label whose text needs more room than it was given
is clipped on the panel unless it sits in something that scrolls."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QPushButton, QWidget
from test_layout import states
from ui_harness import Kiosk

from kiosk.flow import Screen
from kiosk.ui import theme

COMBINATIONS = [(lang, elderly, size) for lang in ("zh", "en") for elderly in (False, True)
                for size in ((1920, 1080), (1080, 1920))]
TOLERANCE_PX = 1


def scrolls(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def clipped_labels(root: QWidget) -> list[str]:
    found = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text() or scrolls(label):
            continue
        width, height = label.width(), label.height()
        if label.wordWrap():
            need_w, need_h = 0, label.heightForWidth(width)
            if need_h < 0:
                need_h = label.sizeHint().height()
        else:
            hint = label.sizeHint()
            need_w, need_h = hint.width(), hint.height()
        if need_w > width + TOLERANCE_PX or need_h > height + TOLERANCE_PX:
            found.append(f"{label.objectName() or label.property('role')} "
                         f"'{label.text()[:40]}' needs {need_w}x{need_h}, has {width}x{height}")
    return found


def clipped_buttons(root: QWidget) -> list[str]:
    """A button's one-line text wider than the button (buttons do not wrap)."""
    found = []
    for button in root.findChildren(QPushButton):
        if not button.isVisibleTo(root) or not button.text() or scrolls(button):
            continue
        metrics = button.fontMetrics()
        lines = button.text().split("\n")
        need = max(metrics.horizontalAdvance(line) for line in lines)
        need += button.iconSize().width() if not button.icon().isNull() else 0
        if need > button.width() + TOLERANCE_PX:
            found.append(f"{button.objectName()} '{button.text()[:30]}' needs {need}, "
                         f"has {button.width()}")
    return found


def combination_id(language: str, elderly: bool, size: tuple[int, int]) -> str:
    text = "large" if elderly else "normal"
    return f"{language}-{text}-{'landscape' if size[0] > size[1] else 'portrait'}"


@pytest.mark.parametrize(("language", "elderly", "size"), COMBINATIONS,
                         ids=[combination_id(*c) for c in COMBINATIONS])
def test_no_screen_clips_its_text(qtbot, catalog, language, elderly, size):
    kiosk = Kiosk(qtbot, catalog, size)
    w = kiosk.window
    problems: list[str] = []
    try:
        w.setStyleSheet(theme.stylesheet(elderly=elderly))
        for screen, state in states(catalog).items():
            shown = replace(state, screen=screen, language=language, elderly=elderly)
            page = w.pages[screen]
            page.clear()
            page.show_state(shown)
            w.stack.setCurrentWidget(page)
            w.bar.setVisible(screen not in (Screen.ATTRACT, Screen.OUT_OF_SERVICE))
            w.bar.show_state(language, elderly, 60, True)
            QApplication.processEvents()
            where = f"{screen.name}"
            problems += [f"{where}: {p}" for p in clipped_labels(page) + clipped_buttons(page)]
            if screen is Screen.HOME:
                problems += [f"bar: {p}" for p in clipped_labels(w.bar) + clipped_buttons(w.bar)]
                page.open_search()
                QApplication.processEvents()
                problems += [f"search: {p}" for p in clipped_buttons(page)]
                page.end_search()
        w.stack.setCurrentWidget(w.pages[Screen.HOME])
        for name, overlay, open_it in (
            ("help", w.help, lambda: (w.help.show_state(language), w.help.open())),
            ("more time", w.more_time, lambda: w.more_time.update_for(language, 25, True)),
            ("staff confirm", w.staff_confirm, lambda: w.staff_confirm.ask(language)),
        ):
            open_it()
            QApplication.processEvents()
            problems += [f"{name}: {p}" for p in clipped_labels(overlay) + clipped_buttons(overlay)]
            overlay.close_overlay()
    finally:
        w.close()
    assert not problems, "\n".join(problems)

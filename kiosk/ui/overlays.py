"""Overlays drawn inside the window (there is no window manager for real dialogs): help, and
the "need more time?" prompt before the idle wipe. Every wipe closes them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.texts import t, whole_seconds
from kiosk.ui.widgets import make_button, make_label

CENTRE = Qt.AlignmentFlag.AlignHCenter


class Overlay(QWidget):
    """A dimmed scrim over the whole window with a card in the middle."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.host = host
        self.setObjectName("Scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 80, 80, 80)
        self.card = QWidget()
        self.card.setObjectName("Dialog")
        self.card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.card.setMaximumWidth(1300)
        self.box = QVBoxLayout(self.card)
        self.box.setContentsMargins(48, 40, 48, 40)
        self.box.setSpacing(28)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 8)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        host.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.host.rect())
        return False

    def open(self) -> None:
        self.setGeometry(self.host.rect())
        self.show()
        self.raise_()

    def close_overlay(self) -> None:
        self.hide()

    def is_open(self) -> bool:
        return self.isVisible()


class HelpOverlay(Overlay):
    staff_login = Signal()

    def __init__(self, host: QWidget, hall_phone: str) -> None:
        super().__init__(host)
        self.hall_phone = hall_phone
        self.title = make_label("", "title", align=CENTRE)
        self.text = make_label("", "body")
        self.phone = make_label("", "subtitle", align=CENTRE)
        self.staff = make_button("", on_click=self._staff, name="HelpStaffLogin")
        self.close_button = make_button("", "primary", self.close_overlay, name="HelpClose")
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(self.staff, 1)
        row.addWidget(self.close_button, 1)
        for widget in (self.title, self.text, self.phone):
            self.box.addWidget(widget)
        self.box.addLayout(row)

    def show_state(self, language: str) -> None:
        self.title.setText(t("help_title", language))
        self.text.setText(t("help_body", language))
        self.phone.setText(t("staff_phone", language, phone=self.hall_phone))
        self.staff.setText(t("staff_login", language))
        self.close_button.setText(t("close", language))

    def _staff(self) -> None:
        self.close_overlay()
        self.staff_login.emit()


class MoreTimeOverlay(Overlay):
    """Shown in the last seconds before the idle wipe; any touch keeps the session (the
    window's touch filter sends flow.Touch), the button just gives a clear target."""

    PROMPT_AT_S = 10.0

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.title = make_label("", "big", align=CENTRE)
        self.text = make_label("", "body", align=CENTRE)
        self.keep = make_button("", "primary", self.close_overlay, name="MoreTime")
        self.box.addWidget(self.title)
        self.box.addWidget(self.text)
        self.box.addWidget(self.keep)

    def update_for(self, language: str, seconds_left: float | None) -> bool:
        """Open, refresh or close for the time left; True when it just opened."""
        if seconds_left is None or seconds_left > self.PROMPT_AT_S:
            self.close_overlay()
            return False
        self.title.setText(t("more_time_title", language))
        self.text.setText(t("more_time_body", language, n=whole_seconds(seconds_left)))
        self.keep.setText(t("more_time_button", language))
        opened = not self.isVisible()
        if opened:
            self.open()
        return opened

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        # A touch on the dim area counts as "yes" too.
        self.close_overlay()
        super().mousePressEvent(event)

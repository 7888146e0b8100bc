"""Overlays drawn inside the window (there is no window manager for real dialogs): help, the
"need more time?" prompt before the idle wipe, and the question before a staff login ends a
citizen's session. Every wipe closes them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QScroller, QVBoxLayout, QWidget

from kiosk.ui.texts import CATEGORY_HELP, pick, t, whole_seconds, wrap_label
from kiosk.ui.widgets import make_button, make_label, speaker_icon

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
    """Plain words on what the buttons do and what each category holds, the phones, and a
    call for staff. No staff login here: that is a long press in a corner (main_window)."""

    call_staff = Signal()
    read_aloud = Signal()
    closed = Signal()

    def __init__(self, host: QWidget, hall_phone: str) -> None:
        super().__init__(host)
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.setStretch(1, 1)  # the card takes the height; its text scrolls inside
        self.hall_phone = hall_phone
        self.title = make_label("", "title", align=CENTRE)
        self.content = QWidget()
        self.content.setObjectName("HelpContent")
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 16, 0)
        column.setSpacing(18)
        self.text = make_label("", "body")
        self.categories_title = make_label("", "subtitle")
        self.categories = {key: make_label("", "body") for key in CATEGORY_HELP}
        self.property_title = make_label("", "subtitle")
        self.property_text = make_label("", "body")
        self.phone = make_label("", "body")
        self.phone.setObjectName("HelpPhone")
        self.staff_note = make_label("", "body")
        self.staff_note.setObjectName("HelpStaffNote")
        self.staff_note.hide()
        for widget in (self.text, self.phone, self.staff_note, self.property_title,
                       self.property_text, self.categories_title, *self.categories.values()):
            column.addWidget(widget)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.content)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.staff = make_button("", on_click=self.call_staff.emit, name="HelpCallStaff")
        self.speak = make_button("", on_click=self.read_aloud.emit, name="HelpReadAloud")
        self.speak.setIcon(speaker_icon(48, "#0b2e59"))
        self.speak.setIconSize(QSize(40, 40))
        self.close_button = make_button("", "primary", self.close_overlay, name="HelpClose")
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(self.staff, 1)
        row.addWidget(self.speak, 1)
        row.addWidget(self.close_button, 1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.scroll, 1)
        self.box.addLayout(row)
        self.language = "zh"

    def show_state(self, language: str) -> None:
        self.language = language
        self.title.setText(t("help_title", language))
        self.text.setText(t("help_body", language))
        self.categories_title.setText(t("help_categories", language))
        for key, label in self.categories.items():
            label.setText(pick(CATEGORY_HELP[key], language))
        self.property_title.setText(t("help_property_vs", language))
        self.property_text.setText(t("help_property_vs_body", language))
        phones = "help_hotline" if self.hall_phone.strip() == "12345" else "help_phone"
        self.phone.setText(t(phones, language, phone=self.hall_phone))
        self.staff.setText(t("call_staff", language))
        self.speak.setText(t("read_aloud", language))
        self.close_button.setText(t("close", language))

    def spoken_text(self) -> str:
        """What "read aloud" says here: everything but the category list's repetition."""
        parts = [self.text.text(), self.phone.text(), self.property_title.text(),
                 self.property_text.text()]
        return " ".join(parts) if self.language == "en" else "".join(parts)

    def show_staff_note(self, text: str) -> None:
        self.staff_note.setText(text)
        self.staff_note.setVisible(bool(text))
        self.scroll.ensureWidgetVisible(self.staff_note)

    def close_overlay(self) -> None:
        was_open = self.isVisible()
        self.staff_note.clear()
        self.staff_note.hide()
        super().close_overlay()
        if was_open:
            self.closed.emit()


class MoreTimeOverlay(Overlay):
    """Shown from flow.Timeouts.warning_s before the idle wipe. Any touch keeps the session
    (the window's touch filter sends flow.Touch); the one large button is the clear target."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.title = make_label("", "big", align=CENTRE)
        self.text = make_label("", "body", align=CENTRE)
        self.keep = make_button("", "moreTime", self.close_overlay, name="MoreTime")
        self.box.addWidget(self.title)
        self.box.addWidget(self.text)
        self.box.addWidget(self.keep)

    def update_for(self, language: str, seconds_left: float | None, due: bool) -> bool:
        """Open, refresh or close; True when it just opened."""
        if seconds_left is None or not due:
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


class StaffConfirmOverlay(Overlay):
    """Asked before a staff login ends a citizen's session: never silently."""

    confirmed = Signal()

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.title = make_label("", "title", align=CENTRE)
        self.text = make_label("", "body", align=CENTRE)
        self.no = make_button("", "primary", self.close_overlay, name="StaffConfirmNo")
        self.yes = make_button("", "danger", self._yes, name="StaffConfirmYes")
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(self.yes, 1)
        row.addWidget(self.no, 1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.text)
        self.box.addLayout(row)

    def ask(self, language: str) -> None:
        self.title.setText(t("staff_confirm_title", language))
        self.text.setText(t("staff_confirm_body", language))
        self.yes.setText(wrap_label(t("staff_confirm_yes", language)))
        self.no.setText(wrap_label(t("staff_confirm_no", language)))
        self.open()

    def _yes(self) -> None:
        self.close_overlay()
        self.confirmed.emit()

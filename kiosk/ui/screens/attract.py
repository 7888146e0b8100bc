"""The attract loop: shown while nobody uses the terminal, and always moving so that nothing
burns into the panel at night. A touch anywhere starts a session (the window's event filter).

Three buttons are there from the first touch: read aloud, English, and large text; what they
choose is kept for the whole session."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout

from kiosk import flow
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.texts import UI, wrap_label
from kiosk.ui.theme import FONT_FAMILY
from kiosk.ui.widgets import AnimatesWhileShown, make_button, speaker_icon


def drift(phase: float, span: float) -> float:
    """A slow, smooth offset in [-span, span] (two incommensurate sines: no visible repeat)."""
    return span * (0.6 * math.sin(phase) + 0.4 * math.sin(phase * 0.37 + 1.3))


class AttractPage(AnimatesWhileShown, Page):
    TICK_MS = 100

    read_aloud_requested = Signal()
    language_requested = Signal()
    elderly_requested = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.setContentsMargins(60, 0, 60, 0)
        self.phase = 0.0
        self.animate(self.TICK_MS, self._advance)
        self.read = make_button(f"{UI['read_aloud'][0]}\n{UI['read_aloud'][1]}", "attract",
                                self.read_aloud_requested.emit, name="AttractReadAloud")
        self.read.setIcon(speaker_icon(48, "#0b2e59"))
        self.read.setIconSize(QSize(44, 44))
        self.language = make_button("English", "attract", self.language_requested.emit,
                                    name="AttractLanguage")
        self.elderly = make_button(UI["large_text_both"][0].replace(" ", "\n", 1), "attract",
                                   self.elderly_requested.emit, name="AttractElderly")
        # A row on a landscape panel, a column on a portrait one (see resizeEvent).
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(28)
        for button in (self.read, self.language, self.elderly):
            button.setMaximumWidth(520)
            button.setMinimumWidth(300)
            self.row.addWidget(button, 2)
        # What else a citizen can do without choosing a category first: collect a
        # certificate that did not print, or read the list of every service.
        self.collect = make_button(f"{UI['collect'][0]}\n{wrap_label(UI['collect'][1])}", "attract",
                                   lambda: self.ctx.dispatch(flow.StartCollect()),
                                   name="AttractCollect")
        self.all_services = make_button(f"{UI['all_services'][0]}\n{UI['all_services'][1]}",
                                        "attract",
                                        lambda: self.ctx.dispatch(flow.ShowAllServices()),
                                        name="AttractAllServices")
        self.actions = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.actions.setSpacing(28)
        for button in (self.collect, self.all_services):
            button.setMaximumWidth(520)
            button.setMinimumWidth(300)
            self.actions.addWidget(button, 2)
        # One line of five on a landscape panel; on a portrait one the settings stand in a
        # column and these two side by side below them (see resizeEvent).
        self.controls = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.controls.setSpacing(28)
        self.controls.addLayout(self.row)
        self.controls.addLayout(self.actions)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addLayout(self.controls, 8)
        centred.addStretch(1)
        # Below the drifting greeting, above the hall phone at the bottom.
        self.body.addStretch(62)
        self.body.addLayout(centred)
        self.body.addStretch(38)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        portrait = self.portrait()
        self.row.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                              else QBoxLayout.Direction.LeftToRight)
        self.controls.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                                   else QBoxLayout.Direction.LeftToRight)
        centre = Qt.AlignmentFlag.AlignHCenter if portrait else Qt.AlignmentFlag(0)
        for button in (self.read, self.language, self.elderly):
            self.row.setAlignment(button, centre)  # a column of buttons stands in the middle
        # The taller portrait block starts lower, clear of the greeting.
        self.body.setStretch(0, 76 if portrait else 62)
        self.body.setStretch(2, 24 if portrait else 38)

    def buttons_bottom(self) -> int:
        buttons = (self.read, self.language, self.elderly, self.collect, self.all_services)
        return max(b.geometry().bottom() for b in buttons)

    def show_state(self, state: flow.SessionState) -> None:
        self.update()

    def _advance(self) -> None:
        self.phase += 0.01  # about one slow sweep a minute
        self.update()

    def _font(self, px: int, bold: bool = False) -> QFont:
        font = QFont(FONT_FAMILY)
        font.setPixelSize(max(12, px))
        font.setBold(bold)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        hue = int(205 + drift(self.phase * 0.5, 15)) % 360  # stays in calm blues
        gradient = QLinearGradient(0, 0, w, h)
        gradient.setColorAt(0.0, QColor.fromHsv(hue, 200, 90))
        gradient.setColorAt(1.0, QColor.fromHsv((hue + 25) % 360, 220, 40))
        painter.fillRect(self.rect(), gradient)

        unit = min(w, h) / 1080  # text scales with the short side: landscape and portrait
        dx = drift(self.phase, w * 0.06)
        dy = drift(self.phase * 1.3 + 2.0, h * 0.05)
        painter.setPen(QColor("#ffffff"))

        zh, en = UI["touch_to_start"]
        centre = QRectF(dx, dy * 0.6, w, h)
        painter.setFont(self._font(int(96 * unit), bold=True))
        painter.drawText(centre.adjusted(0, -h * 0.2, 0, -h * 0.2),
                         Qt.AlignmentFlag.AlignCenter, zh)
        painter.setFont(self._font(int(56 * unit)))
        painter.drawText(centre.adjusted(0, -h * 0.07, 0, -h * 0.07),
                         Qt.AlignmentFlag.AlignCenter, en)

        margin = 60 * unit
        top = QRectF(margin + dx * 0.3, margin + dy * 0.3, w - 2 * margin, 200 * unit)
        painter.setFont(self._font(int(48 * unit), bold=True))
        painter.drawText(top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, self.ctx.hall_name_zh)
        painter.setFont(self._font(int(32 * unit)))
        painter.drawText(top.adjusted(0, 80 * unit, 0, 80 * unit),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, self.ctx.hall_name_en)

        notices = self.ctx.notices[:3]  # a few lines at most: the panel is not a newspaper
        if notices:
            lines = "\n".join(f"{zh}  {en}".strip() for zh, en in notices)
            painter.setFont(self._font(int(34 * unit)))
            band_top = max(self.buttons_bottom() + 24 * unit, h * 0.5)  # under the buttons
            band = QRectF(margin + dx * 0.2, band_top, w - 2 * margin,
                          h - margin - 200 * unit - band_top)
            painter.drawText(band, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, lines)

        phone_zh = UI["hall_phone"][0].format(phone=self.ctx.hall_phone)
        phone_en = UI["hall_phone"][1].format(phone=self.ctx.hall_phone)
        bottom = QRectF(margin - dx * 0.3, h - margin - 150 * unit, w - 2 * margin, 150 * unit)
        painter.setFont(self._font(int(40 * unit)))
        painter.drawText(bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                         f"{phone_zh}\n{phone_en}")
        if self.ctx.demo:
            painter.setFont(self._font(int(30 * unit), bold=True))
            # Centred above the phone number: clear of every other text in both orientations.
            badge = QRectF((w - 360 * unit) / 2 - dx * 0.3, bottom.top() - 40 * unit,
                           360 * unit, 64 * unit)
            painter.fillRect(badge, QColor("#f2b600"))
            painter.setPen(QColor("#101418"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter,
                             f"{UI['demo_badge'][0]} {UI['demo_badge'][1]}")
        painter.end()

"""Proving who the citizen is: the place-card screen and the face screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk import flow
from kiosk.ui.preview import Oval, PreviewFrame, coerce_preview, default_guide
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.texts import pick, t, whole_seconds
from kiosk.ui.widgets import AnimatesWhileShown, make_label

CENTRE = Qt.AlignmentFlag.AlignHCenter


class CardSlotHint(AnimatesWhileShown, QWidget):
    """A card sliding down onto the reader, again and again: shows where the card goes."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = 0.0
        self.setMinimumSize(420, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.animate(50, self._advance)

    def _advance(self) -> None:
        self.phase = (self.phase + 0.02) % 1.0
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        size = min(w / 1.4, h / 1.1)
        reader = QRectF((w - size) / 2, h - size * 0.38, size, size * 0.3)
        painter.setPen(QPen(QColor("#0b2e59"), 6))
        painter.setBrush(QColor("#c9d6e8"))
        painter.drawRoundedRect(reader, 24, 24)
        painter.setBrush(QColor("#0a4ea3"))
        painter.drawRoundedRect(reader.adjusted(size * 0.2, size * 0.08, -size * 0.2,
                                                -size * 0.08), 12, 12)
        # The card eases down onto the reader, rests, then starts again.
        travel = min(1.0, self.phase / 0.6)
        eased = 1 - (1 - travel) ** 3
        card_w, card_h = size * 0.55, size * 0.35
        top = h * 0.04 + eased * (reader.top() - card_h * 0.7 - h * 0.04)
        card = QRectF((w - card_w) / 2, top, card_w, card_h)
        painter.setBrush(QColor("#ffffff"))
        painter.setPen(QPen(QColor("#0b2e59"), 5))
        painter.drawRoundedRect(card, 16, 16)
        painter.setBrush(QColor("#f2b600"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(QRectF(card.left() + card_w * 0.08, card.top() + card_h * 0.25,
                                card_w * 0.22, card_h * 0.5))
        painter.setBrush(QColor("#8a949e"))
        for i in range(3):
            painter.drawRect(QRectF(card.left() + card_w * 0.38, card.top() + card_h * (0.28
                             + 0.17 * i), card_w * 0.5, card_h * 0.07))
        # An arrow pointing down while the card moves.
        if travel < 1.0:
            pen = QPen(QColor("#0a4ea3"), 10)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            x = w / 2 + card_w * 0.7
            y0, y1 = card.top(), reader.top() - 10
            painter.drawLine(QPointF(x, y0), QPointF(x, y1))
            painter.drawLine(QPointF(x, y1), QPointF(x - 24, y1 - 30))
            painter.drawLine(QPointF(x, y1), QPointF(x + 24, y1 - 30))
        painter.end()


class PlaceCardPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.title = make_label("", "title", align=CENTRE)
        self.service_name = make_label("", "subtitle", align=CENTRE)
        self.hint = CardSlotHint()
        self.text = make_label("", "body", align=CENTRE)
        self.body.addWidget(self.title)
        self.body.addWidget(self.service_name)
        self.no_card = make_label("", "hint", align=CENTRE)
        self.no_card.setObjectName("NoCardHint")
        self.body.addWidget(self.hint, 1)
        self.body.addWidget(self.text)
        self.body.addWidget(self.no_card)

    def show_state(self, state: flow.SessionState) -> None:
        language = state.language
        self.title.setText(t("collect_card_title" if state.collecting else "place_card_title",
                             language))
        self.text.setText(t("place_card_body", language))
        self.no_card.setText(t("no_card_hint", language, hours=self.ctx.counter_hours))
        service = state.service
        self.service_name.setText(
            "" if service is None else (service.name_zh if language == "zh" else service.name_en)
        )

    def clear(self) -> None:
        self.service_name.clear()


class FacePreview(QWidget):
    """The camera picture (mirrored, like a mirror) with the oval guide painted over it."""

    def __init__(self) -> None:
        super().__init__()
        self.image: QImage | None = None
        self.guide: Oval | None = None
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_frame(self, preview: PreviewFrame | None) -> None:
        if preview is None or preview.frame is None:
            self.image = None
            self.guide = None
        else:
            frame = preview.frame
            height, width = frame.shape[:2]
            image = QImage(frame.data, width, height, frame.strides[0],
                           QImage.Format.Format_BGR888)
            # flipped() makes a deep copy too: the source array may be reused for the next frame.
            self.image = image.flipped(Qt.Orientation.Horizontal)
            guide = preview.guide or default_guide(width, height)
            self.guide = Oval(width - guide.centre_x, guide.centre_y, guide.radius_x,
                              guide.radius_y)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#1b2430"))
        if self.image is None:
            painter.end()
            return
        iw, ih = self.image.width(), self.image.height()
        scale = min(self.width() / iw, self.height() / ih)
        target = QRectF((self.width() - iw * scale) / 2, (self.height() - ih * scale) / 2,
                        iw * scale, ih * scale)
        painter.drawImage(target, self.image)
        if self.guide is not None:
            g = self.guide
            oval = QRectF(target.left() + (g.centre_x - g.radius_x) * scale,
                          target.top() + (g.centre_y - g.radius_y) * scale,
                          2 * g.radius_x * scale, 2 * g.radius_y * scale)
            shade = QPainterPath()
            shade.addRect(target)
            hole = QPainterPath()
            hole.addEllipse(oval)
            painter.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 120))
            painter.setPen(QPen(QColor("#f2b600"), 8))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(oval)
        painter.end()


class FacePage(Page):
    POLL_MS = 80

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.language = "zh"
        self.title = make_label("", "title", align=CENTRE)
        self.preview = FacePreview()
        self.instruction = make_label("", "big", align=CENTRE)
        self.countdown = make_label("", "subtitle", align=CENTRE)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.preview, 6)
        row.addStretch(1)
        self.body.addWidget(self.title)
        self.body.addLayout(row, 1)
        self.body.addWidget(self.instruction)
        self.body.addWidget(self.countdown)
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._last: PreviewFrame | None = None
        self._pushed: Any = None
        source = ctx.face_frames
        if source is not None and hasattr(source, "connect"):
            # A Qt signal source pushes frames; the poll timer still paces the drawing.
            source.connect(self._receive)

    def _receive(self, item: Any) -> None:
        self._pushed = item

    def show_state(self, state: flow.SessionState) -> None:
        self.language = state.language
        self.title.setText(t("face_title", state.language))
        self._show_texts()

    def poll(self) -> None:
        """Take the newest frame from the source (never blocks: the source keeps the latest)."""
        source = self.ctx.face_frames
        if source is None:
            return
        try:
            item = self._pushed if hasattr(source, "connect") else source()
            preview = coerce_preview(item)
        except Exception:  # a broken preview must not take the screen down
            preview = None
        self._last = preview
        self.preview.show_frame(preview)
        self._show_texts()

    def _show_texts(self) -> None:
        preview = self._last
        if preview is None or preview.frame is None:
            key = "face_default" if self.ctx.face_frames is None else "face_no_camera"
            self.instruction.setText(t(key, self.language))
        elif preview.instruction is not None:
            self.instruction.setText(pick(preview.instruction, self.language))
        else:
            self.instruction.setText(t("face_default", self.language))
        seconds = None if preview is None else preview.seconds_left
        self.countdown.setText("" if seconds is None else
                               t("face_countdown", self.language, n=whole_seconds(seconds)))

    def showEvent(self, event: Any) -> None:  # noqa: N802
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self._timer.stop()
        super().hideEvent(event)

    def clear(self) -> None:
        self._timer.stop()
        self._last = None
        self._pushed = None
        self.preview.show_frame(None)
        self.instruction.clear()
        self.countdown.clear()

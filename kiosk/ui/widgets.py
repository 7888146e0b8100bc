"""Small building blocks shared by the screens: labelled buttons, the bar, a spinner, and a
helper that runs slow callables off the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from kiosk.ui.texts import t, whole_seconds


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property used in a selector changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def make_label(text: str = "", role: str = "body", *, wrap: bool = True,
               align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(wrap)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return label


def make_button(text: str, role: str = "", on_click: Callable[[], Any] | None = None,
                *, name: str = "") -> QPushButton:
    button = QPushButton(text)
    if role:
        button.setProperty("role", role)
    if name:
        button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no focus rings on a touch screen
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        button.clicked.connect(lambda _checked=False: on_click())
    return button


def speaker_icon(px: int = 48, color: str = "#ffffff") -> QIcon:
    """A loudspeaker with two sound waves, drawn (the CJK font has no emoji for it)."""
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    u = px / 48
    painter.drawPolygon(QPolygonF([QPointF(4 * u, 17 * u), QPointF(14 * u, 17 * u),
                                   QPointF(26 * u, 6 * u), QPointF(26 * u, 42 * u),
                                   QPointF(14 * u, 31 * u), QPointF(4 * u, 31 * u)]))
    pen = QPen(QColor(color), 4 * u)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for radius in (9, 17):
        painter.drawArc(QRectF(26 * u - radius * u, 24 * u - radius * u, 2 * radius * u,
                               2 * radius * u), -45 * 16, 90 * 16)
    painter.end()
    return QIcon(pixmap)


class Bar(QWidget):
    """Home, Back, read aloud, language, elderly mode, help, and the seconds left before the
    idle wipe."""

    home = Signal()
    back = Signal()
    read_aloud = Signal()
    language = Signal()
    elderly = Signal()
    help = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Bar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(16, 12, 16, 12)
        self.grid.setSpacing(14)
        self.home_button = make_button("", on_click=self.home.emit, name="BarHome")
        self.back_button = make_button("", on_click=self.back.emit, name="BarBack")
        self.read_button = make_button("", on_click=self.read_aloud.emit, name="BarReadAloud")
        self.read_button.setIcon(speaker_icon())
        self.read_button.setIconSize(QSize(40, 40))
        self.language_button = make_button("", on_click=self.language.emit, name="BarLanguage")
        self.elderly_button = make_button("", on_click=self.elderly.emit, name="BarElderly")
        self.help_button = make_button("", on_click=self.help.emit, name="BarHelp")
        self.countdown = QLabel("")
        self.countdown.setObjectName("Countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.two_rows: bool | None = None
        self.set_two_rows(False)

    def set_two_rows(self, two_rows: bool) -> None:
        """One row on a landscape panel; two on a portrait one, where six targets of a
        touchable size do not fit side by side."""
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        for widget in self._order():
            self.grid.removeWidget(widget)
        for column in range(7):
            self.grid.setColumnStretch(column, 0)
        if two_rows:
            places = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2)]
            stretches = [1, 1, 1, 1]
        else:
            places = [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6)]
            stretches = [2, 2, 3, 2, 2, 2, 2]
        for widget, (row, column) in zip(self._order(), places, strict=True):
            self.grid.addWidget(widget, row, column)
        for column, stretch in enumerate(stretches):
            self.grid.setColumnStretch(column, stretch)

    def _order(self) -> list[QWidget]:
        return [self.home_button, self.back_button, self.countdown, self.read_button,
                self.language_button, self.elderly_button, self.help_button]

    def show_state(self, language: str, elderly: bool, seconds_left: float | None,
               can_go_back: bool, can_go_home: bool = True) -> None:
        self.home_button.setText(t("home", language))
        self.home_button.setEnabled(can_go_home)  # not while a certificate is printing
        self.back_button.setText(t("back", language))
        self.back_button.setEnabled(can_go_back)
        self.language_button.setText(t("language", language))
        self.elderly_button.setText(t("elderly_off" if elderly else "elderly_on", language))
        if self.elderly_button.property("active") != elderly:
            self.elderly_button.setProperty("active", elderly)
            repolish(self.elderly_button)
        self.help_button.setText(t("help", language))
        self.read_button.setText(t("read_aloud", language))
        self.set_seconds_left(language, seconds_left)

    def set_seconds_left(self, language: str, seconds_left: float | None) -> None:
        text = "" if seconds_left is None else t("seconds_left", language,
                                                   n=whole_seconds(seconds_left))
        self.countdown.setText(text)


class AnimatesWhileShown:
    """Mixin for a QWidget whose QTimer runs only while it is on screen, so hidden pages and
    the night-long attract loop never spend CPU on pictures nobody sees."""

    _timer: QTimer

    def animate(self, interval_ms: int, step: Callable[[], None]) -> None:
        self._timer = QTimer(self)  # type: ignore[arg-type]
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(step)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        self._timer.start()
        super().showEvent(event)  # type: ignore[misc]

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self._timer.stop()
        super().hideEvent(event)  # type: ignore[misc]


class Spinner(AnimatesWhileShown, QWidget):
    """A turning arc: tells the citizen the machine is working. Animates only while shown."""

    def __init__(self, parent: QWidget | None = None, diameter: int = 160) -> None:
        super().__init__(parent)
        self._angle = 0
        self.setFixedSize(diameter, diameter)
        self.animate(60, self._advance)

    def _advance(self) -> None:
        self._angle = (self._angle + 12) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(8, self.width() // 12)
        rect = QRectF(width, width, self.width() - 2 * width, self.height() - 2 * width)
        painter.setPen(QPen(QColor("#d7e3f4"), width))
        painter.drawEllipse(rect)
        pen = QPen(QColor("#0a4ea3"), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawArc(rect, -self._angle * 16, 100 * 16)


class Background(QObject):
    """Runs a slow callable on a worker thread and hands its outcome back on the GUI thread.

    `finished` carries (ok, value_or_exception, callback); the receiver lives on the GUI
    thread, so Qt queues the signal across threads.
    """

    finished = Signal(bool, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.finished.connect(self._deliver)

    def run(self, fn: Callable[[], Any], on_done: Callable[[bool, Any], None]) -> None:
        def work() -> None:
            try:
                value = fn()
            except Exception as exc:  # reported to on_done, never raised into Qt
                self.finished.emit(False, exc, on_done)
            else:
                self.finished.emit(True, value, on_done)

        threading.Thread(target=work, name="ui-background", daemon=True).start()

    @staticmethod
    def _deliver(ok: bool, value: Any, on_done: Callable[[bool, Any], None]) -> None:
        on_done(ok, value)

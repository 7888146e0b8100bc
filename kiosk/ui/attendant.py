"""Attendant mode: a PIN pad, then a panel with device health, reprint and clear-queue.

The PIN check, the device statuses and the printer actions are injected callables that may be
slow (argon2, CUPS), so each runs on a worker thread; the pages only show the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from devices.status import DeviceStatus
from kiosk.ui.texts import DEVICE_NAMES, STAFF, pick
from kiosk.ui.widgets import Background, make_button, make_label

MAX_PIN = 12
CENTRE = Qt.AlignmentFlag.AlignHCenter


class AttendantActions(Protocol):
    def verify_pin(self, pin: str) -> bool: ...

    def reprint_last(self, confirm_in_doubt: bool = False) -> Any: ...

    def clear_jam(self) -> Any: ...


def s(key: str, language: str, **values: object) -> str:
    text = pick(STAFF[key], language)
    return text.format(**values) if values else text


def device_line(status: DeviceStatus, language: str) -> str:
    """One line per device for the staff: name, state, and the device's own sentence."""
    name = pick(DEVICE_NAMES.get(status.device_class.value, (status.device_class.value,) * 2),
                language)
    verdict = s("ready" if status.ready else "not_ready", language)
    parts = [f"{name}: {verdict} ({status.state.value})"]
    if status.printer is not None:
        parts.append(f"paper={status.printer.paper.value}")
    if status.detail:
        parts.append(status.detail)
    return " · ".join(parts)


class PinPadPage(QWidget):
    unlocked = Signal()
    cancelled = Signal()

    def __init__(self, attendant: AttendantActions | None, background: Background) -> None:
        super().__init__()
        self.setObjectName("Page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.attendant = attendant
        self.background = background
        self.language = "zh"
        self.pin = ""
        self.checking = False
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 32, 48, 32)
        box.setSpacing(20)
        self.title = make_label("", "title", align=CENTRE)
        self.dots = make_label("", "code", align=CENTRE)
        self.dots.setObjectName("PinDots")
        self.message = make_label("", "error", align=CENTRE)
        pad = QGridLayout()
        pad.setSpacing(14)
        for i, digit in enumerate("123456789"):
            pad.addWidget(make_button(digit, "key", lambda d=digit: self.press(d),
                                      name=f"Pin_{digit}"), i // 3, i % 3)
        pad.addWidget(make_button("⌫", "key", self.delete, name="PinDelete"), 3, 0)
        pad.addWidget(make_button("0", "key", lambda: self.press("0"), name="Pin_0"), 3, 1)
        self.ok = make_button("", "primary", self.submit, name="PinOk")
        pad.addWidget(self.ok, 3, 2)
        self.cancel = make_button("", on_click=self.cancelled.emit, name="PinCancel")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(pad, 2)
        row.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.dots)
        box.addWidget(self.message)
        box.addLayout(row, 1)
        box.addWidget(self.cancel)

    def start(self, language: str) -> None:
        self.language = language
        self.reset()
        self.title.setText(s("pin_title", language))
        self.ok.setText(s("ok", language))
        self.cancel.setText(s("cancel", language))

    def reset(self) -> None:
        self.pin = ""
        self.checking = False
        self.dots.setText("")
        self.message.clear()

    def press(self, digit: str) -> None:
        if self.checking or len(self.pin) >= MAX_PIN:
            return
        self.pin += digit
        self.dots.setText("●" * len(self.pin))

    def delete(self) -> None:
        if not self.checking:
            self.pin = self.pin[:-1]
            self.dots.setText("●" * len(self.pin))

    def submit(self) -> None:
        if self.checking or not self.pin or self.attendant is None:
            return
        self.checking = True
        pin, self.pin = self.pin, ""  # the typed PIN is not kept once it is sent
        self.dots.setText("")
        self.message.setText(s("pin_checking", self.language))
        attendant = self.attendant
        self.background.run(lambda: attendant.verify_pin(pin), self._checked)

    def _checked(self, ok: bool, value: Any) -> None:
        self.checking = False
        if ok and value is True:
            self.reset()
            self.unlocked.emit()
        else:
            self.message.setText(s("pin_wrong", self.language))


class AttendantPanel(QWidget):
    exit_requested = Signal()

    def __init__(self, attendant: AttendantActions | None,
                 device_statuses: Callable[[], Sequence[DeviceStatus]] | None,
                 terminal_id: str, background: Background) -> None:
        super().__init__()
        self.setObjectName("Page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.attendant = attendant
        self.device_statuses = device_statuses
        self.terminal_id = terminal_id
        self.background = background
        self.language = "zh"
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 32, 48, 32)
        box.setSpacing(20)
        self.title = make_label("", "title")
        self.devices_title = make_label("", "subtitle")
        self.device_box = QVBoxLayout()
        self.device_box.setAlignment(Qt.AlignmentFlag.AlignTop)
        holder = QWidget()
        holder.setObjectName("Card")
        holder.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        holder.setLayout(self.device_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        self.device_labels: list[QLabel] = []
        self.result = make_label("", "body")
        self.result.setObjectName("ActionResult")
        self.refresh = make_button("", on_click=self.load_devices, name="Refresh")
        self.reprint = make_button("", on_click=lambda: self._act("reprint_last"),
                                   name="Reprint")
        self.clear_jam = make_button("", on_click=lambda: self._act("clear_jam"),
                                     name="ClearJam")
        self.confirm_reprint = make_button(
            "", on_click=lambda: self._act("reprint_last", confirm_in_doubt=True),
            name="ConfirmReprint",
        )
        self.confirm_reprint.hide()  # only after a reprint held because a copy may be out
        self.exit = make_button("", "primary", self.exit_requested.emit, name="ExitAttendant")
        actions = QGridLayout()
        actions.setSpacing(20)
        actions.addWidget(self.refresh, 0, 0)
        actions.addWidget(self.reprint, 0, 1)
        actions.addWidget(self.clear_jam, 1, 0)
        actions.addWidget(self.exit, 1, 1)
        box.addWidget(self.title)
        box.addWidget(self.devices_title)
        box.addWidget(scroll, 1)
        box.addWidget(self.result)
        box.addWidget(self.confirm_reprint)
        box.addLayout(actions)

    def start(self, language: str) -> None:
        self.language = language
        self.title.setText(f"{s('panel_title', language)} · "
                           f"{s('terminal', language, id=self.terminal_id)}")
        self.devices_title.setText(s("devices", language))
        self.refresh.setText(s("refresh", language))
        self.reprint.setText(s("reprint", language))
        self.clear_jam.setText(s("clear_jam", language))
        self.confirm_reprint.setText(s("confirm_reprint", language))
        self.confirm_reprint.hide()
        self.exit.setText(s("exit", language))
        self.result.clear()
        self.load_devices()

    def load_devices(self) -> None:
        source = self.device_statuses
        if source is None:
            self._show_devices(True, [])
            return
        self.background.run(lambda: list(source()), self._show_devices)

    def _outcome_text(self, value: Any) -> str:
        """What an action's return value means, in the staff's words."""
        language = self.language
        if value is None:
            return s("nothing_to_reprint", language)
        if value is False:
            return s("printer_still_not_ready", language)
        if hasattr(value, "printed"):
            if value.printed:
                return s("reprinted", language, code=value.verification_code)
            message = getattr(value, "message", None)
            if message is not None:
                return str(message.zh if language == "zh" else message.en)
        return s("action_ok", language)

    def _show_devices(self, ok: bool, value: Any) -> None:
        for label in self.device_labels:
            label.hide()  # at once: a refresh must not show old and new lines together
            label.deleteLater()
        self.device_labels = []
        statuses = list(value) if ok else []
        # A device that is not ready is set in the error style, so it stands out at a glance.
        lines = [(device_line(status, self.language), "body" if status.ready else "error")
                 for status in statuses]
        if not lines:
            lines = [(s("no_devices", self.language), "body")]
        for line, role in lines:
            label = make_label(line, role)
            self.device_box.addWidget(label)
            self.device_labels.append(label)

    def _act(self, name: str, **options: Any) -> None:
        if self.attendant is None:
            return
        action = getattr(self.attendant, name)
        self.confirm_reprint.hide()
        self.result.setText(s("working", self.language))
        self.background.run(lambda: action(**options), self._acted)

    def _acted(self, ok: bool, value: Any) -> None:
        if ok:
            self.result.setText(self._outcome_text(value))
            # A copy may already be in the tray: print again only when the attendant says so.
            self.confirm_reprint.setVisible(bool(getattr(value, "in_doubt", False)))
        else:
            detail = getattr(value, "message_zh" if self.language == "zh" else "message_en",
                             None) or type(value).__name__
            self.result.setText(s("action_failed", self.language, detail=detail))
        self.load_devices()

"""Attendant mode: a PIN pad, then a panel in plain words: device health and paper, today's
sessions, citizens' calls, the kept certificates (each can be reprinted), a test print, and
the way to the admin's service switches (kiosk.ui.admin).

The PIN check, the device statuses and the printer actions are injected callables that may be
slow (argon2, CUPS), so each runs on a worker thread; the pages only show the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from devices.status import DeviceStatus
from kiosk.attendant_words import device_line, job_rows, paper_line, reason_line, screen_name
from kiosk.ui.texts import STAFF, pick
from kiosk.ui.widgets import Background, make_button, make_label

MAX_PIN = 12
CENTRE = Qt.AlignmentFlag.AlignHCenter


class AttendantActions(Protocol):
    def verify_pin(self, pin: str, role: str = "attendant") -> bool | None: ...

    def waiting_jobs(self) -> Sequence[Any]: ...

    def reprint(self, job_id: int, confirm_in_doubt: bool = False) -> Any: ...

    def clear_jam(self) -> Any: ...

    def test_print(self) -> Any: ...

    def sessions_today(self) -> int: ...

    def open_calls(self) -> Sequence[Any]: ...

    def answer_calls(self) -> int: ...


def s(key: str, language: str, **values: object) -> str:
    text = pick(STAFF[key], language)
    return text.format(**values) if values else text


def _scroll_box() -> tuple[QScrollArea, QVBoxLayout]:
    box = QVBoxLayout()
    box.setAlignment(Qt.AlignmentFlag.AlignTop)
    holder = QWidget()
    holder.setObjectName("Card")
    holder.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    holder.setLayout(box)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(holder)
    return scroll, box


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
        self.role = "attendant"  # or "admin": the service switches need the admin PIN
        self.pin = ""
        self.checking = False
        # Each reset starts a new attempt: a check that answers after a cancel or the staff
        # idle timeout belongs to an attempt that is over and unlocks nothing.
        self._attempt = 0
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
        self.cancel = make_button("", on_click=self._cancel, name="PinCancel")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(pad, 2)
        row.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.dots)
        box.addWidget(self.message)
        box.addLayout(row, 1)
        box.addWidget(self.cancel)

    def start(self, language: str, role: str = "attendant") -> None:
        self.language = language
        self.role = role
        self.reset()
        self.title.setText(s("admin_pin_title" if role == "admin" else "pin_title", language))
        self.ok.setText(s("ok", language))
        self.cancel.setText(s("cancel", language))

    def _cancel(self) -> None:
        self.reset()
        self.cancelled.emit()

    def reset(self) -> None:
        self._attempt += 1
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
        attendant, role, attempt = self.attendant, self.role, self._attempt
        self.background.run(lambda: attendant.verify_pin(pin, role),
                            lambda ok, value: self._checked(attempt, ok, value))

    def _checked(self, attempt: int, ok: bool, value: Any) -> None:
        if attempt != self._attempt:
            return  # cancelled or timed out while the PIN was being checked
        self.checking = False
        if ok and value is True:
            self.reset()
            self.unlocked.emit()
        elif ok and value is None:  # not a wrong PIN: nothing can be checked yet
            self.message.setText(s("pin_starting", self.language))
        else:
            self.message.setText(s("pin_wrong", self.language))


class AttendantPanel(QWidget):
    exit_requested = Signal()
    admin_requested = Signal()

    def __init__(self, attendant: AttendantActions | None,
                 device_statuses: Callable[[], Sequence[DeviceStatus]] | None,
                 terminal_id: str, background: Background,
                 service_reasons: Callable[[], Sequence[str]] | None = None) -> None:
        super().__init__()
        self.service_reasons = service_reasons
        self.setObjectName("Page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.attendant = attendant
        self.device_statuses = device_statuses
        self.terminal_id = terminal_id
        self.background = background
        self.language = "zh"
        self._confirm_job: int | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 24, 40, 24)
        box.setSpacing(14)
        self.title = make_label("", "title")
        self.paper = make_label("", "subtitle")
        self.paper.setObjectName("PaperStatus")
        self.calls = make_label("", "body")
        self.calls.setObjectName("StaffCalls")
        self.answer = make_button("", on_click=lambda: self._act("answer_calls"),
                                  name="AnswerCalls")
        self.answer.hide()
        calls_row = QHBoxLayout()
        calls_row.addWidget(self.calls, 3)
        calls_row.addWidget(self.answer, 1)
        self.devices_title = make_label("", "subtitle")
        self.jobs_title = make_label("", "subtitle")
        devices_scroll, self.device_box = _scroll_box()
        jobs_scroll, self.jobs_box = _scroll_box()
        self.device_labels: list[QLabel] = []
        self.job_widgets: list[QWidget] = []
        self.job_buttons: dict[int, QPushButton] = {}
        columns = QGridLayout()
        columns.setHorizontalSpacing(24)
        columns.addWidget(self.devices_title, 0, 0)
        columns.addWidget(self.jobs_title, 0, 1)
        columns.addWidget(devices_scroll, 1, 0)
        columns.addWidget(jobs_scroll, 1, 1)
        columns.setColumnStretch(0, 2)
        columns.setColumnStretch(1, 3)
        self.result = make_label("", "body")
        self.result.setObjectName("ActionResult")
        self.confirm_reprint = make_button("", on_click=self._confirm, name="ConfirmReprint")
        self.confirm_reprint.hide()  # only after a reprint held because a copy may be out
        self.refresh = make_button("", on_click=self.load, name="Refresh")
        self.test = make_button("", on_click=lambda: self._act("test_print"), name="TestPrint")
        self.clear_jam = make_button("", on_click=lambda: self._act("clear_jam"),
                                     name="ClearJam")
        self.admin = make_button("", on_click=self.admin_requested.emit, name="ServicesAdmin")
        self.exit = make_button("", "primary", self.exit_requested.emit, name="ExitAttendant")
        actions = QHBoxLayout()
        actions.setSpacing(16)
        for button in (self.refresh, self.test, self.clear_jam, self.admin, self.exit):
            actions.addWidget(button)
        box.addWidget(self.title)
        box.addWidget(self.paper)
        box.addLayout(calls_row)
        box.addLayout(columns, 1)
        box.addWidget(self.result)
        box.addWidget(self.confirm_reprint)
        box.addLayout(actions)

    def start(self, language: str) -> None:
        self.language = language
        self.title.setText(f"{s('panel_title', language)} · "
                           f"{s('terminal', language, id=self.terminal_id)}")
        self.devices_title.setText(s("devices", language))
        self.jobs_title.setText(s("waiting_jobs", language))
        self.refresh.setText(s("refresh", language))
        self.test.setText(s("test_print", language))
        self.clear_jam.setText(s("clear_jam", language))
        self.admin.setText(s("services_admin", language))
        self.answer.setText(s("answer_calls", language))
        self.confirm_reprint.setText(s("confirm_reprint", language))
        self.confirm_reprint.hide()
        self.exit.setText(s("exit", language))
        self.result.clear()
        self.load()

    # ---- loading ------------------------------------------------------------------------
    def load(self) -> None:
        """Devices, kept jobs, calls and today's count, each fetched off the GUI thread."""
        source = self.device_statuses
        if source is None:
            self._show_devices(True, [])
        else:
            self.background.run(lambda: list(source()), self._show_devices)
        attendant = self.attendant
        if attendant is None:
            return
        self.background.run(lambda: list(attendant.waiting_jobs()), self._show_jobs)
        self.background.run(lambda: (attendant.sessions_today(), list(attendant.open_calls())),
                            self._show_day)

    def _show_devices(self, ok: bool, value: Any) -> None:
        for label in self.device_labels:
            label.hide()  # at once: a refresh must not show old and new lines together
            label.deleteLater()
        self.device_labels = []
        statuses = list(value) if ok else []
        # A device that is not ready is set in the error style, so it stands out at a glance.
        lines = [(device_line(status, self.language), "body" if status.ready else "error")
                 for status in statuses]
        # Why the terminal cannot serve, first: devices are one reason among others.
        reasons = list(self.service_reasons()) if self.service_reasons is not None else []
        lines[:0] = [(s("cannot_serve", self.language, reason=reason_line(r, self.language)),
                     "error") for r in reasons]
        problem = getattr(self.attendant, "config_problem", lambda: "")()
        if problem:
            lines.insert(0, (s("config_kept", self.language, detail=problem), "error"))
        if not lines:
            lines = [(s("no_devices", self.language), "body")]
        for line, role in lines:
            label = make_label(line, role)
            self.device_box.addWidget(label)
            self.device_labels.append(label)
        self.paper.setText(paper_line(statuses, self.language))

    def _show_jobs(self, ok: bool, value: Any) -> None:
        for widget in self.job_widgets:
            widget.hide()
            widget.deleteLater()
        self.job_widgets, self.job_buttons = [], {}
        rows = job_rows(list(value), self.language) if ok else []
        if not rows:
            empty = make_label(s("no_waiting_jobs", self.language), "body")
            self.jobs_box.addWidget(empty)
            self.job_widgets.append(empty)
        for row in rows:
            line = QWidget()
            layout = QHBoxLayout(line)
            layout.setContentsMargins(0, 0, 0, 0)
            label = make_label(row.text, "error" if row.in_doubt else "body")
            label.setObjectName(f"Job_{row.job_id}")
            button = make_button(s("reprint", self.language),
                                 on_click=lambda job=row.job_id: self._reprint(job),
                                 name=f"JobReprint_{row.job_id}")
            button.setMaximumWidth(220)
            layout.addWidget(label, 1)
            layout.addWidget(button)
            self.jobs_box.addWidget(line)
            self.job_widgets.append(line)
            self.job_buttons[row.job_id] = button

    def _show_day(self, ok: bool, value: Any) -> None:
        if not ok:
            return
        count, calls = value
        self.title.setText(f"{s('panel_title', self.language)} · "
                           f"{s('terminal', self.language, id=self.terminal_id)} · "
                           f"{s('sessions_today', self.language, n=count)}")
        if calls:
            self.calls.setText("\n".join(
                s("call_line", self.language, time=f"{call.at:%H:%M}",
                  screen=screen_name(call.screen, self.language)) for call in calls))
            self.calls.setProperty("role", "error")
        else:
            self.calls.setText(s("no_calls", self.language))
            self.calls.setProperty("role", "body")
        self.calls.style().unpolish(self.calls)
        self.calls.style().polish(self.calls)
        self.answer.setVisible(bool(calls))

    # ---- acting -------------------------------------------------------------------------
    def _reprint(self, job_id: int, confirm: bool = False) -> None:
        self._confirm_job = job_id
        self._act("reprint", job_id, confirm_in_doubt=confirm)

    def _confirm(self) -> None:
        if self._confirm_job is not None:
            self._reprint(self._confirm_job, confirm=True)

    def _outcome_text(self, value: Any) -> str:
        """What an action's return value means, in the staff's words."""
        language = self.language
        if value is None:
            return s("nothing_to_reprint", language)
        if value is False:
            return s("printer_still_not_ready", language)
        if hasattr(value, "printed"):
            if value.printed:
                code = getattr(value, "verification_code", "")
                return s("reprinted", language, code=code) if code else s("test_printed",
                                                                            language)
            message = getattr(value, "message", None)
            if message is not None:
                return str(message.zh if language == "zh" else message.en)
            text = getattr(value, "message_zh" if language == "zh" else "message_en", "")
            if text:
                return str(text)
        return s("action_ok", language)

    def _act(self, name: str, *args: Any, **options: Any) -> None:
        if self.attendant is None:
            return
        action = getattr(self.attendant, name)
        self.confirm_reprint.hide()
        self.result.setText(s("working", self.language))
        self.background.run(lambda: action(*args, **options), self._acted)

    def _acted(self, ok: bool, value: Any) -> None:
        if ok:
            self.result.setText(self._outcome_text(value))
            # A copy may already be in the tray: print again only when the attendant says so.
            self.confirm_reprint.setVisible(bool(getattr(value, "in_doubt", False)))
        else:
            detail = getattr(value, "message_zh" if self.language == "zh" else "message_en",
                             None) or s("not_ready", self.language)
            self.result.setText(s("action_failed", self.language, detail=detail))
        self.load()

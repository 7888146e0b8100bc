"""What a citizen can do under a message the flow gave (the error and print-kept screens):
a way out, call staff when the message offers it, and try again when it allows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout

from kiosk import flow
from kiosk.ui.screens.base import UiContext
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button, make_label


class NextSteps:
    """The row of buttons (`row`) and the line saying how staff were reached (`staff_note`);
    the page places both. `leave` is the way out: its event and the text key of its button."""

    def __init__(self, ctx: UiContext, leave: tuple[Callable[[], flow.Event], str], *,
                 names: tuple[str, str, str]) -> None:
        self.ctx = ctx
        self.language = "zh"
        leave_event, self._leave_key = leave
        leave_name, staff_name, retry_name = names
        self.staff_note = make_label("", "body", align=Qt.AlignmentFlag.AlignHCenter)
        self.leave = make_button("", on_click=lambda: ctx.dispatch(leave_event()),
                                 name=leave_name)
        self.staff = make_button("", on_click=self.call_staff, name=staff_name)
        self.retry = make_button("", "primary", lambda: ctx.dispatch(flow.Retry()),
                                 name=retry_name)
        self.row = QHBoxLayout()
        self.row.setSpacing(24)
        self.row.addWidget(self.leave, 1)
        self.row.addWidget(self.staff, 1)
        self.row.addWidget(self.retry, 2)

    def show(self, message: flow.Message | None, language: str) -> None:
        self.language = language
        self.retry.setVisible(bool(message and message.can_retry))
        self.staff.setVisible(bool(message and message.offer_attendant))
        self.retry.setText(t("retry", language))
        self.staff.setText(t("call_staff", language))
        self.leave.setText(t(self._leave_key, language))

    def call_staff(self) -> None:
        """Ring the attendant when the terminal has a way to; otherwise say how to reach one."""
        self.staff_note.setText(self.ctx.ring_staff(self.language))

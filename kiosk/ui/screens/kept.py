"""A certificate that did not print, and collecting kept certificates later.

The kept screen puts the verification code first and large: whatever else fails at night, the
citizen leaves with it (and with a claim slip where the receipt printer works).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout

from kiosk import flow
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.spoken import joined, spell_code
from kiosk.ui.texts import t
from kiosk.ui.widgets import Spinner, make_button, make_label

CENTRE = Qt.AlignmentFlag.AlignHCenter


class PrintKeptPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.language = "zh"
        self.title = make_label("", "title", align=CENTRE)
        self.code_label = make_label("", "subtitle", align=CENTRE)
        self.code = make_label("", "code", align=CENTRE)
        self.code.setObjectName("KeptCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.slip = make_label("", "subtitle", align=CENTRE)
        self.message = make_label("", "body", align=CENTRE)
        self.message.setObjectName("KeptMessage")
        self.staff_note = make_label("", "body", align=CENTRE)
        self.body.addStretch(1)
        for label in (self.title, self.code_label, self.code, self.slip, self.message,
                      self.staff_note):
            self.body.addWidget(label)
        self.body.addStretch(2)
        self.finish = make_button("", on_click=lambda: self.ctx.dispatch(flow.Finish()),
                                  name="KeptFinish")
        self.staff = make_button("", on_click=self.call_staff, name="KeptCallStaff")
        self.retry = make_button("", "primary", lambda: self.ctx.dispatch(flow.Retry()),
                                 name="KeptRetry")
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(self.finish, 1)
        row.addWidget(self.staff, 1)
        row.addWidget(self.retry, 2)
        self.body.addLayout(row)

    def show_state(self, state: flow.SessionState) -> None:
        language = self.language = state.language
        message = state.message
        self.title.setText(t("kept_title", language))
        self.code_label.setText(t("kept_code", language))
        self.code.setText(state.verification_code)
        self.slip.setText(t("kept_slip" if state.slip_printed else "kept_no_slip", language))
        self.message.setText(message.text(language) if message else "")
        self.retry.setVisible(bool(message and message.can_retry))
        self.staff.setVisible(bool(message and message.offer_attendant))
        self.retry.setText(t("retry", language))
        self.staff.setText(t("call_staff", language))
        self.finish.setText(t("finish", language))

    def call_staff(self) -> None:
        self.staff_note.setText(self.ctx.ring_staff(self.language))

    def prompt(self, state: flow.SessionState) -> str:
        """The code is spoken one character at a time, after the one sentence that matters."""
        language = state.language
        code = spell_code(state.verification_code, language)
        return joined([t("kept_title", language), f"{t('kept_code', language)} {code}",
                       t("kept_slip" if state.slip_printed else "kept_no_slip", language),
                       state.message.text(language) if state.message else ""], language)

    def clear(self) -> None:
        for label in (self.code, self.message, self.staff_note, self.slip):
            label.clear()


class CollectingPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.addStretch(2)
        spinner = Spinner(diameter=180)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(spinner)
        row.addStretch(1)
        self.body.addLayout(row)
        self.title = make_label("", "big", align=CENTRE)
        self.detail = make_label("", "body", align=CENTRE)
        self.body.addWidget(self.title)
        self.body.addWidget(self.detail)
        self.body.addStretch(3)

    def show_state(self, state: flow.SessionState) -> None:
        self.title.setText(t("collecting", state.language))
        self.detail.setText(t("collecting_body", state.language))

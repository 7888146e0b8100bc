"""A certificate that did not print: the print-kept screen (collecting it later is a waiting
screen, kiosk.ui.screens.status).

The kept screen puts the verification code first and large: whatever else fails at night, the
citizen leaves with it (and with a claim slip where the receipt printer works).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk import flow
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.screens.next_steps import NextSteps
from kiosk.ui.spoken import joined, spell_code
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_label

CENTRE = Qt.AlignmentFlag.AlignHCenter


class PrintKeptPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.steps = NextSteps(ctx, (flow.Finish, "finish"),
                               names=("KeptFinish", "KeptCallStaff", "KeptRetry"))
        self.staff_note = self.steps.staff_note
        self.title = make_label("", "title", align=CENTRE)
        self.code_label = make_label("", "subtitle", align=CENTRE)
        self.code = make_label("", "code", align=CENTRE)
        self.code.setObjectName("KeptCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.slip = make_label("", "subtitle", align=CENTRE)
        self.message = make_label("", "body", align=CENTRE)
        self.message.setObjectName("KeptMessage")
        self.body.addStretch(1)
        for label in (self.title, self.code_label, self.code, self.slip, self.message,
                      self.staff_note):
            self.body.addWidget(label)
        self.body.addStretch(2)
        self.body.addLayout(self.steps.row)

    def show_state(self, state: flow.SessionState) -> None:
        language = state.language
        message = state.message
        self.title.setText(t("kept_title", language))
        self.code_label.setText(t("kept_code", language))
        self.code.setText(state.verification_code)
        self.slip.setText(t("kept_slip" if state.slip_printed else "kept_no_slip", language))
        self.message.setText(message.text(language) if message else "")
        self.steps.show(message, language)

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

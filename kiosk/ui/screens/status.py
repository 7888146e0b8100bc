"""The screens where the machine talks: querying, printing, collecting, done, error, out of
service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QProgressBar

from kiosk import flow
from kiosk.attendant_words import reason_line
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.screens.next_steps import NextSteps
from kiosk.ui.spoken import joined, spell_code
from kiosk.ui.texts import t
from kiosk.ui.widgets import Spinner, make_button, make_label

CENTRE = Qt.AlignmentFlag.AlignHCenter


class WaitingPage(Page):
    """A spinner, a title and a line under it, while the machine works for the citizen."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(Spinner(diameter=180))
        row.addStretch(1)
        self.body.addLayout(row)
        self.title = make_label("", "big", align=CENTRE)
        self.detail = make_label("", "body", align=CENTRE)
        self.body.addWidget(self.title)
        self.body.addWidget(self.detail)
        self.body.addStretch(3)


class QueryingPage(WaitingPage):
    def show_state(self, state: flow.SessionState) -> None:
        self.title.setText(t("querying", state.language))
        service = state.service
        agency = "" if service is None else (
            service.agency_zh if state.language == "zh" else service.agency_en)
        self.detail.setText(t("querying_body", state.language, agency=agency) if agency else "")

    def clear(self) -> None:
        self.detail.clear()


class CollectingPage(WaitingPage):
    """Printing the certificates kept for this card holder."""

    def show_state(self, state: flow.SessionState) -> None:
        self.title.setText(t("collecting", state.language))
        self.detail.setText(t("collecting_body", state.language))


class PrintingPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.addStretch(2)
        self.title = make_label("", "big", align=CENTRE)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the spooler does not report a percentage
        self.progress.setTextVisible(False)
        self.detail = make_label("", "body", align=CENTRE)
        self.body.addWidget(self.title)
        self.body.addWidget(self.progress)
        self.body.addWidget(self.detail)
        self.body.addStretch(3)

    def show_state(self, state: flow.SessionState) -> None:
        self.title.setText(t("printing", state.language))
        self.detail.setText(t("printing_body", state.language))


class DonePage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.addStretch(2)
        self.title = make_label("", "big", align=CENTRE)
        self.code = make_label("", "code", align=CENTRE)
        self.code.setObjectName("VerificationCode")
        self.detail = make_label("", "body", align=CENTRE)
        self.finish = make_button("", "primary", lambda: self.ctx.dispatch(flow.Finish()),
                                  name="DoneFinish")
        # Another service in the same session: no second card or face check.
        self.another = make_button("", on_click=lambda: self.ctx.dispatch(flow.AnotherService()),
                                   name="DoneAnother")
        self.body.addWidget(self.title)
        self.body.addWidget(self.code)
        self.body.addWidget(self.detail)
        self.body.addStretch(3)
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(self.another, 1)
        row.addWidget(self.finish, 1)
        self.body.addLayout(row)

    def show_state(self, state: flow.SessionState) -> None:
        self.title.setText(t("done_title", state.language))
        code = state.verification_code
        self.code.setText(t("done_code", state.language, code=code) if code else "")
        self.detail.setText(t("done_body", state.language))
        self.finish.setText(t("finish", state.language))
        self.another.setText(t("another", state.language))

    def clear(self) -> None:
        self.code.clear()

    def prompt(self, state: flow.SessionState) -> str:
        said = super().prompt(state)
        if state.verification_code:
            code = spell_code(state.verification_code, state.language)
            said = joined([said, t("done_code", state.language, code=code)], state.language)
        return said


class ErrorPage(Page):
    """The flow's message, and always what the citizen can do next."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.steps = NextSteps(ctx, (flow.GoHome, "home"),
                               names=("ErrorHome", "CallStaff", "Retry"))
        self.staff_note = self.steps.staff_note
        self.body.addStretch(1)
        self.title = make_label("", "title", align=CENTRE)
        self.message = make_label("", "big", align=CENTRE)
        self.message.setObjectName("ErrorMessage")
        self.next_step = make_label("", "body", align=CENTRE)
        self.body.addWidget(self.title)
        self.body.addWidget(self.message)
        self.body.addWidget(self.next_step)
        self.body.addWidget(self.staff_note)
        self.body.addStretch(2)
        self.body.addLayout(self.steps.row)

    def show_state(self, state: flow.SessionState) -> None:
        language = state.language
        message = state.message
        self.title.setText(t("error_title", language))
        self.message.setText(message.text(language) if message else "")
        self.steps.show(message, language)
        if message and message.can_retry:
            next_step = t("next_retry", language)
        elif message and message.offer_attendant:
            next_step = t("next_staff", language, phone=self.ctx.hall_phone)
        else:
            next_step = t("next_home", language)
        self.next_step.setText(next_step)

    def prompt(self, state: flow.SessionState) -> str:
        message = state.message.text(state.language) if state.message else ""
        return joined([t("error_title", state.language), message,
                       self.next_step.text()], state.language)

    def clear(self) -> None:
        self.message.clear()
        self.staff_note.clear()


class OutOfServicePage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.body.addStretch(2)
        self.title = make_label("", "big", align=CENTRE)
        self.detail = make_label("", "subtitle", align=CENTRE)
        self.title_en = make_label("", "title", align=CENTRE)
        self.detail_en = make_label("", "body", align=CENTRE)
        # What is wrong, for the attendant or technician who comes (the PIN pad needs a store
        # that may be the very thing that failed); never anything about a citizen.
        self.reasons = make_label("", "hint", align=CENTRE)
        self.reasons.setObjectName("OutOfServiceReasons")
        for label in (self.title, self.detail, self.title_en, self.detail_en):
            self.body.addWidget(label)
        self.body.addStretch(3)
        self.body.addWidget(self.reasons)
        self.staff = make_button("", name="StaffLogin")
        row = QHBoxLayout()
        row.addStretch(3)
        row.addWidget(self.staff, 1)
        self.body.addLayout(row)

    def show_state(self, state: flow.SessionState) -> None:
        # Nobody chose a language: say it in both.
        phone = self.ctx.hall_phone
        self.title.setText(t("out_of_service_title", "zh"))
        self.detail.setText(t("out_of_service_body", "zh", phone=phone))
        self.title_en.setText(t("out_of_service_title", "en"))
        self.detail_en.setText(t("out_of_service_body", "en", phone=phone))
        self.staff.setText(f"{t('staff_login', 'zh')} / {t('staff_login', 'en')}")

    def show_reasons(self, reasons: list[str] | tuple[str, ...]) -> None:
        # Both languages, in words: whoever comes to fix it reads one of them.
        lines = [t("out_of_service_staff", lang,
                   reasons=sep.join(reason_line(r, lang) for r in reasons))
                 for lang, sep in (("zh", "；"), ("en", "; "))]
        self.reasons.setText("\n".join(lines) if reasons else "")

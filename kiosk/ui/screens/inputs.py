"""The inputs screen, generated from Service.inputs: steppers for years and months, big buttons
for choices, and typed fields with the on-screen keyboard. The catalog checks the values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk import flow
from kiosk.ui import forms
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.screens.home import TapLineEdit, search_phrases
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button, make_label, repolish
from services_catalog.catalog import validate_inputs
from services_catalog.errors import InvalidInput
from services_catalog.model import InputField, Service


class FieldEditor:
    """One input field's widgets and its current value."""

    def __init__(self, spec: InputField, language: str, today: date,
                 on_tap: Callable[[FieldEditor], None]) -> None:
        self.spec = spec
        self.language = language
        self.widget = QWidget()
        box = QVBoxLayout(self.widget)
        box.setContentsMargins(0, 0, 0, 0)
        label = spec.label_zh if language == "zh" else spec.label_en
        if not spec.required:
            label = f"{label} {t('optional', language)}"
        box.addWidget(make_label(label, "fieldLabel"))
        self.error = make_label("", "error")
        self.error.hide()
        self.value = forms.initial_value(spec, today)
        self.line: QLineEdit | None = None
        self.value_label: QLabel | None = None
        self.choice_buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        if spec.kind in ("year", "month"):
            self.low, self.high = forms.year_bounds(spec, today)
            minus = make_button("−", "stepper", lambda: self.step(-1), name=f"Minus_{spec.key}")
            plus = make_button("+", "stepper", lambda: self.step(+1), name=f"Plus_{spec.key}")
            for b in (minus, plus):
                b.setMaximumWidth(180)
            self.value_label = make_label("", "stepperValue", align=Qt.AlignmentFlag.AlignCenter)
            self.value_label.setObjectName(f"Value_{spec.key}")
            self.value_label.setMinimumHeight(120)
            row.addWidget(minus)
            row.addWidget(self.value_label, 1)
            row.addWidget(plus)
            self._show_stepper()
        elif spec.kind == "choice":
            group = QButtonGroup(self.widget)
            group.setExclusive(True)
            for value, zh, en in spec.choices:
                button = make_button(zh if language == "zh" else en, "choice",
                                     lambda v=value: self.choose(v), name=f"Choice_{value}")
                button.setCheckable(True)
                button.setChecked(value == self.value)
                group.addButton(button)
                self.choice_buttons[value] = button
                row.addWidget(button)
        else:
            self.line = TapLineEdit()
            self.line.setObjectName(f"Field_{spec.key}")
            self.line.setText(self.value)
            self.line.tapped.connect(lambda: on_tap(self))
            lengths = forms.digit_lengths(spec)
            if lengths is not None:
                self.line.setMaxLength(lengths[1])
            elif spec.kind == "id_number":
                self.line.setMaxLength(18)
            row.addWidget(self.line)
        box.addLayout(row)
        # What the field expects and how much is in ("10 位数字，已输入 4 位").
        self.hint = make_label("", "hint")
        self.hint.setObjectName(f"Hint_{spec.key}")
        box.addWidget(self.hint)
        self._show_hint()
        if self.line is not None:
            self.line.textChanged.connect(lambda _text: self._show_hint())
        box.addWidget(self.error)

    def _show_hint(self) -> None:
        text = forms.field_hint(self.spec, self.language, self.current())
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def _show_stepper(self) -> None:
        assert self.value_label is not None
        if self.spec.kind == "month":
            self.value_label.setText(forms.month_label(self.value, self.language))
        else:
            self.value_label.setText(f"{self.value}年" if self.language == "zh" else self.value)

    def step(self, delta: int) -> None:
        if self.spec.kind == "year":
            self.value = forms.step_year(self.value, delta, self.low, self.high)
        else:
            self.value = forms.step_month(self.value, delta, self.low, self.high)
        self._show_stepper()
        self.show_error("")

    def choose(self, value: str) -> None:
        self.value = value
        self.show_error("")

    def current(self) -> str:
        return self.line.text() if self.line is not None else self.value

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        if self.line is not None and self.line.property("invalid") != bool(text):
            self.line.setProperty("invalid", bool(text))
            repolish(self.line)


class InputsPage(Page):
    def __init__(self, ctx: UiContext, today: Callable[[], date] = date.today) -> None:
        super().__init__(ctx)
        self._today = today
        self.title = make_label("", "title")
        self.form_host = QWidget()
        self.form_host.setObjectName("FormHost")
        self.form = QVBoxLayout(self.form_host)
        self.form.setSpacing(28)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.form_host)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.connect_to_target()
        self.keyboard.set_phrases(search_phrases(ctx.catalog))
        self.keyboard.hide_requested.connect(self.keyboard.hide)
        self.keyboard.hide()
        self.submit = make_button("", "primary", self.on_submit, name="Submit")
        # The form with its button under it; the keyboard beside them (below, in portrait)
        # takes the full height.
        form_column = QVBoxLayout()
        form_column.setSpacing(24)
        form_column.addWidget(self.scroll_area, 1)
        form_column.addWidget(self.submit)
        self.split = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.split.addLayout(form_column, 3)
        self.split.addWidget(self.keyboard, 2)
        self.body.addWidget(self.title)
        self.body.addLayout(self.split, 1)
        self.editors: list[FieldEditor] = []
        self._key: tuple[Service | None, str] | None = None

    def show_state(self, state: flow.SessionState) -> None:
        key = (state.service, state.language)
        if key == self._key:
            return
        kept = {e.spec.key: e.current() for e in self.editors} if self._key and \
            self._key[0] == state.service else {}
        self._key = key
        self._build(state.service, state.language, kept)

    def _build(self, service: Service | None, language: str, kept: dict[str, str]) -> None:
        self._drop_editors()
        self.language = language
        self.title.setText(t("inputs_title", language))
        self.submit.setText(t("inputs_submit", language))
        self.keyboard.forget()
        self.keyboard.set_language(language)
        self.keyboard.hide()
        self.keyboard.attach(None)
        if service is None:
            return
        for spec in service.inputs:
            editor = FieldEditor(spec, language, self._today(), self._focus)
            if spec.key in kept:  # a language switch keeps what was typed or chosen
                if editor.line is not None:
                    editor.line.setText(kept[spec.key])
                else:
                    editor.value = kept[spec.key]
                    if editor.value_label is not None:
                        editor._show_stepper()
                    for value, button in editor.choice_buttons.items():
                        button.setChecked(value == editor.value)
            self.editors.append(editor)
            self.form.addWidget(editor.widget)
        self.form.addStretch(1)
        typed = [e for e in self.editors if e.line is not None]
        if typed:
            self._focus(typed[0])

    def _focus(self, editor: FieldEditor) -> None:
        self.keyboard.attach(editor.line)
        self.keyboard.set_mode(forms.keyboard_mode(editor.spec))
        self.keyboard.set_pinyin(self.language == "zh")
        self.keyboard.show()

    def editor(self, key: str) -> FieldEditor:
        return next(e for e in self.editors if e.spec.key == key)

    def on_submit(self) -> None:
        service = self._key[0] if self._key else None
        if service is None:
            return
        self.keyboard.flush()  # letters still being composed count as typed
        for editor in self.editors:
            editor.show_error("")
        values = {e.spec.key: e.current() for e in self.editors}
        try:
            clean = validate_inputs(service, values, today=self._today())
        except InvalidInput as exc:
            text = exc.message_zh if self.language == "zh" else exc.message_en
            target = next((e for e in self.editors if e.spec.key == exc.field_key), None)
            if target is not None:
                target.show_error(text)
                self.scroll_area.ensureWidgetVisible(target.widget)
            return
        self.ctx.dispatch(flow.SubmitInputs(clean))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.TopToBottom if self.portrait()
                     else QBoxLayout.Direction.LeftToRight)
        self.split.setDirection(direction)

    def _drop_editors(self) -> None:
        while self.form.count():
            item = self.form.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: a deferred delete can wait for the event loop
                widget.deleteLater()
        self.editors = []

    def clear(self) -> None:
        self._key = None
        self.keyboard.forget()
        self._drop_editors()
        self.keyboard.attach(None)
        self.keyboard.hide()

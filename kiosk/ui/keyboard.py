"""An on-screen keyboard: the terminal has no physical one.

Letters with pinyin input (candidate characters above the keys, kiosk.ui.pinyin_input), a
space key, brackets for certificate numbers, and a key that hides the keyboard; or a phone
pad of digits (an ID number adds X). A field asks only for what it needs. Keys emit committed
text; the screen that owns the keyboard decides which field receives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.pinyin_input import Candidate, Composer, common_table
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button, make_label, repolish

LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"
CANDIDATES_PER_PAGE = 6  # at most; fewer when they are long


class CandidateBar(QWidget):
    """The letters being composed and a page of candidate characters to choose from."""

    chosen = Signal(object)  # a pinyin_input.Candidate

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CandidateBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.composing = make_label("", "composing", wrap=False)
        self.composing.setObjectName("Composing")
        self.composing.setMinimumWidth(120)
        row.addWidget(self.composing)
        self.buttons: list[QPushButton] = []
        for i in range(CANDIDATES_PER_PAGE):
            button = make_button("", "candidate", lambda i=i: self._choose(i),
                                 name=f"Candidate_{i}")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.buttons.append(button)
            row.addWidget(button, 1)
        self.more = make_button("›", "candidate", self._next_page, name="CandidatesMore")
        self.more.setFixedWidth(90)
        row.addWidget(self.more)
        self._candidates: list[Candidate] = []
        self._shown: list[Candidate] = []
        self._start = 0
        self.show_candidates("", [], "zh")

    def show_candidates(self, letters: str, candidates: list[Candidate], language: str) -> None:
        self._candidates = candidates
        self._start = 0
        self.composing.setText(letters or t("pinyin_hint", language))
        self._show_page()

    def _show_page(self) -> None:
        """As many candidates as fit whole: a service name takes the room of several
        characters, and is never cut."""
        spacing = self.layout().spacing() if self.layout() is not None else 6
        room = self.width() - self.composing.width() - self.more.width() - 3 * spacing
        if room < 200:  # not laid out yet
            room = 800
        metrics = self.buttons[0].fontMetrics()
        self._shown = []
        used = 0
        for candidate in self._candidates[self._start:]:
            need = metrics.horizontalAdvance(candidate.hanzi) + 40 + spacing
            if self._shown and (used + need > room or len(self._shown) == len(self.buttons)):
                break
            self._shown.append(candidate)
            used += need
        for i, button in enumerate(self.buttons):
            shown = i < len(self._shown)
            button.setText(self._shown[i].hanzi if shown else "")
            button.setEnabled(shown)
            # Empty places keep the bar's shape while nothing is composed.
            button.setVisible(shown or not self._shown)
            width = metrics.horizontalAdvance(self._shown[i].hanzi) + 40 if shown else 0
            button.setMinimumWidth(width)
        self.more.setEnabled(len(self._candidates) > len(self._shown))

    def _next_page(self) -> None:
        self._start += len(self._shown)
        if self._start >= len(self._candidates):
            self._start = 0
        self._show_page()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._show_page()

    def _choose(self, i: int) -> None:
        if i < len(self._shown):
            self.chosen.emit(self._shown[i])

    def first(self) -> Candidate | None:
        return self._candidates[0] if self._candidates else None

    def texts(self) -> list[str]:
        return [c.hanzi for c in self._candidates]

    def shown_texts(self) -> list[str]:
        return [c.hanzi for c in self._shown]


class OnScreenKeyboard(QWidget):
    typed = Signal(str)
    backspace = Signal()
    cleared = Signal()
    hide_requested = Signal()
    composing_changed = Signal(str)  # the pinyin letters not yet turned into characters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(5)
        self.candidates = CandidateBar()
        self.candidates.chosen.connect(self._commit)
        column.addWidget(self.candidates)
        self._grid = QGridLayout()
        self._grid.setSpacing(5)
        column.addLayout(self._grid)
        self.composer = Composer(common_table())
        self._keys: dict[str, QPushButton] = {}
        self._delete = make_button("", "key", self._backspace, name="KeyDelete")
        self._clear = make_button("", "key", self._clear_all, name="KeyClear")
        self._space = make_button("", "key", self._space_key, name="KeySpace")
        self._hide = make_button("", "key", self.hide_requested.emit, name="KeyHide")
        self._pinyin_key = make_button("", "key", self.toggle_pinyin, name="KeyPinyin")
        self._fixed = (self._delete, self._clear, self._space, self._hide, self._pinyin_key)
        self._target: QLineEdit | None = None
        self.language = "zh"
        self.mode = ""
        self.pinyin = True
        self.set_mode("letters")
        self.set_language("zh")

    # ---- configuration --------------------------------------------------------------------
    def set_phrases(self, phrases: Iterable[str]) -> None:
        """This terminal's words (service names, keywords): offered first."""
        self.composer.table.add_phrases(phrases)

    def set_language(self, language: str) -> None:
        self.language = language
        self._delete.setText(t("keyboard_delete", language))
        self._clear.setText(t("keyboard_clear", language))
        self._space.setText(t("keyboard_space", language))
        self._hide.setText(t("keyboard_hide", language))
        self._show_pinyin()

    def set_pinyin(self, on: bool) -> None:
        self.pinyin = on
        if not on:
            self.flush()
        self._show_pinyin()

    def toggle_pinyin(self) -> None:
        self.set_pinyin(not self.pinyin)

    def _show_pinyin(self) -> None:
        active = self.pinyin and self.takes_letters()
        self._pinyin_key.setText(t("keyboard_pinyin" if self.pinyin else "keyboard_abc",
                                   self.language))
        if self._pinyin_key.property("active") != self.pinyin:
            self._pinyin_key.setProperty("active", self.pinyin)
            repolish(self._pinyin_key)
        self.candidates.setVisible(active)
        self._refresh_candidates()

    def set_mode(self, mode: str) -> None:
        """"letters": digits, QWERTY, pinyin; "search": the same without digits; "digits": a
        phone-style pad; "id": digits and X."""
        self.flush()
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in self._fixed:
                widget.hide()  # at once: a deferred delete can wait for the event loop
                widget.deleteLater()
        self._keys = {}
        self.mode = mode
        if mode in ("letters", "search"):
            # A search needs no digit row (services are found by name): a shorter keyboard.
            rows = [*LETTER_ROWS] if mode == "search" else [DIGIT_ROW, *LETTER_ROWS]
            top = len(rows) - len(LETTER_ROWS)
            for r, row in enumerate(rows):
                for c, char in enumerate(row):
                    self._grid.addWidget(self._key(char), r, c)
            self._grid.addWidget(self._delete, top + 1, 9)
            self._grid.addWidget(self._key("("), top + 2, 7)
            self._grid.addWidget(self._key(")"), top + 2, 8)
            self._grid.addWidget(self._clear, top + 2, 9)
            self._grid.addWidget(self._pinyin_key, top + 3, 0, 1, 2)
            self._grid.addWidget(self._space, top + 3, 2, 1, 6)
            self._grid.addWidget(self._hide, top + 3, 8, 1, 2)
            self._pinyin_key.show()
            self._space.show()
        else:
            # Four rows, like a phone pad, with Delete, Clear and Hide in a fourth column.
            rows = ["123", "456", "789", ("X" if mode == "id" else "") + "0"]
            for r, row in enumerate(rows):
                offset = 1 if len(row) == 1 else 0  # a lone 0 sits in the middle
                for c, char in enumerate(row):
                    self._grid.addWidget(self._key(char), r, c + offset)
            self._grid.addWidget(self._delete, 0, 3)
            self._grid.addWidget(self._clear, 1, 3)
            self._grid.addWidget(self._hide, 2, 3, 2, 1)
            self._pinyin_key.hide()
            self._space.hide()
        tall = QSizePolicy.Policy.Fixed if self.takes_letters() else QSizePolicy.Policy.Expanding
        for button in (self._delete, self._clear, self._hide):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, tall)
            button.show()
        self._show_pinyin()

    def takes_letters(self) -> bool:
        return self.mode in ("letters", "search")

    def _key(self, char: str) -> QPushButton:
        label = char.upper() if char.isalpha() else char
        button = make_button(label, "key", lambda c=char: self._press(c), name=f"Key_{char}")
        self._keys[char] = button
        return button

    def key(self, char: str) -> QPushButton:
        """The button for `char` (tests press real keys)."""
        return self._keys[char]

    def special(self, name: str) -> QPushButton:
        """"space", "hide", "pinyin", "delete" or "clear" (tests press real keys)."""
        return {"space": self._space, "hide": self._hide, "pinyin": self._pinyin_key,
                "delete": self._delete, "clear": self._clear}[name]

    # ---- keys -----------------------------------------------------------------------------
    def composing(self) -> str:
        return self.composer.letters

    def _press(self, char: str) -> None:
        if self.pinyin and self.takes_letters() and char.isalpha():
            self.composer.type(char)
            self._refresh_candidates()
        else:
            self.typed.emit(char)

    def _space_key(self) -> None:
        first = self.candidates.first()
        if self.composer.letters and first is not None:
            self._commit(first)  # as on any pinyin keyboard: space takes the first choice
        else:
            self.typed.emit(" ")

    def _backspace(self) -> None:
        if self.composer.letters:
            self.composer.backspace()
            self._refresh_candidates()
        else:
            self.backspace.emit()

    def _clear_all(self) -> None:
        self.composer.clear()
        self._refresh_candidates()
        self.cleared.emit()

    def _commit(self, candidate: Candidate) -> None:
        text = self.composer.choose(candidate)
        self.typed.emit(text)
        self._refresh_candidates()

    def flush(self) -> None:
        """Letters left uncomposed go in as they are (switching field, mode or language)."""
        if self.composer.letters:
            letters = self.composer.letters
            self.composer.clear()
            self.typed.emit(letters)
            self._refresh_candidates()

    def forget(self) -> None:
        """Drop what is being composed without typing it (the session ended)."""
        self.composer.clear()
        self.composer.table.forget_typed()
        self._refresh_candidates()

    def _refresh_candidates(self) -> None:
        letters = self.composer.letters
        self.candidates.show_candidates(letters, self.composer.candidates(), self.language)
        self.composing_changed.emit(letters)

    # A convenience for screens that drive a single QLineEdit at a time.
    def attach(self, field: QLineEdit | None) -> None:
        if field is not self._target:
            self.flush()
        self._target = field

    def connect_to_target(self) -> None:
        self.typed.connect(self._type_into_target)
        self.backspace.connect(lambda: self._target.backspace() if self._target else None)
        self.cleared.connect(lambda: self._target.clear() if self._target else None)

    def _type_into_target(self, text: str) -> None:
        if self._target is not None:
            self._target.insert(text)


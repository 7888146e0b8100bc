"""An on-screen keyboard: the terminal has no physical one.

Letters (for pinyin initials in search and for text fields) and digits; a field asks only for
what it needs (an ID number gets digits and X). Keys emit text; the screen that owns the
keyboard decides which field receives it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button

LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"


class OnScreenKeyboard(QWidget):
    typed = Signal(str)
    backspace = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(12, 12, 12, 12)
        self._grid.setSpacing(6)
        self._keys: dict[str, QPushButton] = {}
        self._delete = make_button("", "key", self.backspace.emit, name="KeyDelete")
        self._clear = make_button("", "key", self.cleared.emit, name="KeyClear")
        self._target: QLineEdit | None = None
        self.set_mode("letters")
        self.set_language("zh")

    def set_language(self, language: str) -> None:
        self._delete.setText(t("keyboard_delete", language))
        self._clear.setText(t("keyboard_clear", language))

    def set_mode(self, mode: str) -> None:
        """"letters": digits + QWERTY; "digits": a phone-style pad; "id": digits and X."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self._delete, self._clear):
                widget.deleteLater()
        self._keys = {}
        if mode == "letters":
            rows = [DIGIT_ROW, *LETTER_ROWS]
            for r, row in enumerate(rows):
                for c, char in enumerate(row):
                    self._grid.addWidget(self._key(char), r, c)
            self._grid.addWidget(self._clear, 3, 7, 1, 1)
            self._grid.addWidget(self._delete, 3, 8, 1, 2)
        else:
            # Four rows, like a phone pad, with Delete and Clear in a fourth column.
            rows = ["123", "456", "789", ("X" if mode == "id" else "") + "0"]
            for r, row in enumerate(rows):
                offset = 1 if len(row) == 1 else 0  # a lone 0 sits in the middle
                for c, char in enumerate(row):
                    self._grid.addWidget(self._key(char), r, c + offset)
            self._grid.addWidget(self._delete, 0, 3, 2, 1)
            self._grid.addWidget(self._clear, 2, 3, 2, 1)
        tall = QSizePolicy.Policy.Expanding if mode != "letters" else QSizePolicy.Policy.Fixed
        for button in (self._delete, self._clear):  # fill their two rows on the pad
            button.setSizePolicy(QSizePolicy.Policy.Expanding, tall)
        self._clear.show()
        self._delete.show()

    def _key(self, char: str) -> QPushButton:
        label = char.upper() if char.isalpha() else char
        button = make_button(label, "key", lambda c=char: self.typed.emit(c),
                             name=f"Key_{char}")
        self._keys[char] = button
        return button

    def key(self, char: str) -> QPushButton:
        """The button for `char` (tests press real keys)."""
        return self._keys[char]

    # A convenience for screens that drive a single QLineEdit at a time.
    def attach(self, field: QLineEdit | None) -> None:
        self._target = field

    def connect_to_target(self) -> None:
        self.typed.connect(self._type_into_target)
        self.backspace.connect(lambda: self._target.backspace() if self._target else None)
        self.cleared.connect(lambda: self._target.clear() if self._target else None)

    def _type_into_target(self, text: str) -> None:
        if self._target is not None:
            self._target.insert(text)

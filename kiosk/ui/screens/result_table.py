"""One table of a result: a touch table where it fits, else a column of row cards.

`TableSection` holds both views of the same rows and shows the one that kiosk.ui.table_layout
chooses for the room it is given. The cards are built only when first needed; the table is
always built because its natural width (measured with the stylesheet's fonts) is what decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScroller,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.table_layout import (
    LABEL_SHARE,
    MAX_CARDS_PER_LINE,
    TableMode,
    card_lines,
    cards_per_line,
    choose_mode,
    shown_value,
)
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_label
from services_catalog.model import ResultColumn

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root of a flat model
ROW_HEIGHT = 96
_NUMERIC = {"amount", "number", "area", "percent"}
_CARD_PADDING = 28  # a card's inner margin, each side
_WIDTH_SLACK = 8  # rounding in Qt's size hints: a table this close to the edge is a card list


class ResultTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[ResultColumn], rows: Sequence[Mapping[str, Any]],
                 language: str) -> None:
        super().__init__()
        self.columns = list(columns)
        self.rows = list(rows)
        self.language = language

    def rowCount(self, parent: _Index = _ROOT) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return shown_value(self.rows[index.row()].get(column.key), column.format,
                               self.language)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (Qt.AlignmentFlag.AlignRight if column.format in _NUMERIC
                          else Qt.AlignmentFlag.AlignLeft)
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            column = self.columns[section]
            return column.label_zh if self.language == "zh" else column.label_en
        return None


def table_view(model: ResultTableModel) -> QTableView:
    """A read-only table with big rows that never scrolls on its own: the page scrolls."""
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = view.horizontalHeader()
    # Columns as wide as their content, the last one taking what is left. The table is only
    # shown where all of it fits (TableSection.fit), so it never needs to scroll sideways.
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    header.setMinimumHeight(ROW_HEIGHT)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    view.setFixedHeight(ROW_HEIGHT * (max(1, model.rowCount()) + 1) + 8)
    return view


class RowCard(QFrame):
    """One row of a table as "label: value" lines under a heading that says which entry."""

    def __init__(self, columns: Sequence[ResultColumn], row: Mapping[str, Any], number: int,
                 total: int, language: str) -> None:
        super().__init__()
        self.setObjectName("RowCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box = QVBoxLayout(self)
        box.setContentsMargins(_CARD_PADDING, 20, _CARD_PADDING, 20)
        box.setSpacing(14)
        self.heading = make_label(t("entry_n_of", language, n=number, total=total),
                                  "cardHeading")
        box.addWidget(self.heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(1, 1)
        self.labels: list[QLabel] = []
        self.values: dict[str, str] = {}
        for line_no, line in enumerate(card_lines(columns, row, language)):
            label = make_label(line.label, "fieldLabel")
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value = make_label(line.value, "cardValue")
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value.setObjectName(f"CardValue_{line.key}")
            grid.addWidget(label, line_no, 0)
            grid.addWidget(value, line_no, 1)
            self.labels.append(label)
            self.values[line.key] = line.value
        box.addLayout(grid)
        self._label_cap = 0

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        # Measured again once shown: only then is the stylesheet's font (elderly size
        # included) certain to be on the labels.
        if self._label_cap:
            self.set_label_width(self._label_cap)
        super().showEvent(event)

    def set_label_width(self, cap: int) -> None:
        """One width for the label column: the widest label, but at most `cap`, so a long
        label wraps instead of squeezing the value (and values line up down the card)."""
        self._label_cap = cap
        widest = 0
        for label in self.labels:
            label.ensurePolished()  # measure in the stylesheet's font, elderly size included
            widest = max(widest, label.fontMetrics().horizontalAdvance(label.text()))
        width = max(1, min(widest + 4, cap))
        for label in self.labels:
            label.setFixedWidth(width)


class RowCards(QWidget):
    """Every row as a card, one or two to a line, in the table's row order."""

    def __init__(self, columns: Sequence[ResultColumn], rows: Sequence[Mapping[str, Any]],
                 language: str) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(20)
        self.cards = [RowCard(columns, row, number, len(rows), language)
                      for number, row in enumerate(rows, start=1)]
        self.per_line = 0

    def arrange(self, per_line: int, width: int) -> None:
        """Place the cards `per_line` to a line within `width` pixels."""
        card_width = (width - self.grid.spacing() * (per_line - 1)) // per_line
        for card in self.cards:
            card.set_label_width(int((card_width - 2 * _CARD_PADDING) * LABEL_SHARE))
        if per_line == self.per_line:
            return
        self.per_line = per_line
        for card in self.cards:
            self.grid.removeWidget(card)
        for column in range(MAX_CARDS_PER_LINE):
            self.grid.setColumnStretch(column, 1 if column < per_line else 0)
        for index, card in enumerate(self.cards):
            self.grid.addWidget(card, index // per_line, index % per_line)


class TableSection(QWidget):
    """One result table, shown as a table or as cards depending on the room it has."""

    def __init__(self, key: str, columns: Sequence[ResultColumn],
                 rows: Sequence[Mapping[str, Any]], language: str) -> None:
        super().__init__()
        self.key = key
        self.setObjectName(f"Section_{key}")
        self.model = ResultTableModel(columns, rows, language)
        self.table = table_view(self.model)
        self.table.setObjectName(f"Table_{key}")
        self.cards: RowCards | None = None
        self.mode: TableMode | None = None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(self.table)

    def natural_width(self) -> int:
        """The width the table needs to show every column whole, in the current fonts."""
        view = self.table
        view.ensurePolished()
        header = view.horizontalHeader()
        header.ensurePolished()
        columns = range(self.model.columnCount())
        content = sum(max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns)
        return content + 2 * view.frameWidth() + _WIDTH_SLACK

    def fit(self, available_width: int, portrait: bool) -> TableMode:
        """Show the table or the cards for a section `available_width` pixels wide."""
        mode = choose_mode(self.natural_width(), max(0, available_width), portrait=portrait)
        if mode is TableMode.CARDS:
            if self.cards is None:
                self.cards = RowCards(self.model.columns, self.model.rows, self.model.language)
                self.cards.setObjectName(f"Cards_{self.key}")
                self.box.addWidget(self.cards)
            self.cards.arrange(cards_per_line(available_width, portrait=portrait),
                               available_width)
        self.table.setVisible(mode is TableMode.TABLE)
        if self.cards is not None:
            self.cards.setVisible(mode is TableMode.CARDS)
        self.mode = mode
        return mode

"""The result screen: a generic view driven by the service's result fields.

Scalar fields become label/value rows, table fields become tables with big rows, and the whole
answer scrolls as one. Values are formatted by services_catalog.presentation, the same code the
certificate uses, so screen and paper agree. "No record" is shown as an ordinary answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QScrollArea,
    QScroller,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk import flow
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button, make_label
from services_catalog.model import QueryResult, ResultColumn, ResultField, Service
from services_catalog.presentation import EMPTY, ValueFormatError, format_date, format_value

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root of a flat model
ROW_HEIGHT = 96
SCROLLBAR = 52  # the stylesheet's 48 px touch scroll bar, plus its frame
_NUMERIC = {"amount", "number", "area", "percent"}


def shown_value(value: Any, fmt: str, language: str) -> str:
    """A value as the citizen reads it; one the back-end sent malformed shows as a dash
    rather than as something that could be misread."""
    try:
        return format_value(value, fmt, "zh" if language == "zh" else "en")
    except (ValueFormatError, ValueError):
        return EMPTY


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


def _table_view(model: ResultTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = view.horizontalHeader()
    # Columns as wide as their content, the last one taking what is left; a table wider than
    # a portrait panel scrolls sideways rather than cutting amounts short ("¥1,2…").
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    header.setMinimumHeight(ROW_HEIGHT)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    # The page scrolls vertically, not the table: one finger movement, one scroll. Room is
    # kept for the sideways scroll bar.
    view.setFixedHeight(ROW_HEIGHT * (max(1, model.rowCount()) + 1) + 8 + SCROLLBAR)
    return view


class ResultPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.title = make_label("", "title")
        self.status = make_label("", "subtitle")
        self.status_body = make_label("", "body")
        self.as_of = make_label("", "hint")
        self.content = QWidget()
        self.content.setObjectName("ResultCard")
        self.content_box = QVBoxLayout(self.content)
        self.content_box.setContentsMargins(32, 24, 32, 24)
        self.content_box.setSpacing(20)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.content)
        QScroller.grabGesture(self.scroll_area.viewport(),
                              QScroller.ScrollerGestureType.TouchGesture)
        self.another = make_button("", on_click=lambda: self.ctx.dispatch(flow.GoBack()),
                                   name="Another")
        self.finish = make_button("", on_click=lambda: self.ctx.dispatch(flow.Finish()),
                                  name="Finish")
        self.print = make_button("", "primary",
                                 lambda: self.ctx.dispatch(flow.RequestPrint()), name="Print")
        actions = QHBoxLayout()
        actions.setSpacing(24)
        actions.addWidget(self.another, 1)
        actions.addWidget(self.finish, 1)
        actions.addWidget(self.print, 2)  # the primary action sits on the right, near the hand
        self.body.addWidget(self.title)
        self.body.addWidget(self.status)
        self.body.addWidget(self.status_body)
        self.body.addWidget(self.scroll_area, 1)
        self.body.addWidget(self.as_of)
        self.body.addLayout(actions)
        self.tables: dict[str, QTableView] = {}
        self.values: dict[str, str] = {}
        self._key: tuple[Service | None, QueryResult | None, str] | None = None

    def show_state(self, state: flow.SessionState) -> None:
        key = (state.service, state.result, state.language)
        if key == self._key:
            return  # a touch must not rebuild the view and lose the scroll position
        self._key = key
        self._build(state.service, state.result, state.language)

    def _build(self, service: Service | None, result: QueryResult | None, language: str) -> None:
        self._drop_content()
        self.another.setText(t("another", language))
        self.finish.setText(t("finish", language))
        self.print.setText(t("print", language))
        if service is None or result is None:
            return
        self.title.setText(service.name_zh if language == "zh" else service.name_en)
        self.print.setVisible(service.printable)
        if not result.record_found:
            self.status.setText(t("no_record", language))
            self.status_body.setText(t("no_record_body", language))
        self.status.setVisible(not result.record_found)
        self.status_body.setVisible(not result.record_found)
        if result.data_as_of:
            try:
                day = format_date(result.data_as_of, "zh" if language == "zh" else "en")
            except ValueFormatError:
                day = result.data_as_of
            self.as_of.setText(t("data_as_of", language, date=day))
        self.as_of.setVisible(bool(result.data_as_of))
        scalars = [f for f in service.result_fields if f.format != "table"
                   and f.key in result.values]
        tables = [f for f in service.result_fields if f.format == "table"
                  and f.key in result.tables]
        if scalars:
            grid = QGridLayout()
            grid.setHorizontalSpacing(32)
            grid.setVerticalSpacing(18)
            grid.setColumnStretch(1, 1)
            for row, spec in enumerate(scalars):
                self._add_scalar(grid, row, spec, result.values[spec.key], language)
            holder = QWidget()
            holder.setLayout(grid)
            self.content_box.addWidget(holder)
        for spec in tables:
            self.content_box.addWidget(make_label(
                spec.label_zh if language == "zh" else spec.label_en, "subtitle"))
            rows = result.tables[spec.key]
            if not rows:
                self.content_box.addWidget(make_label(t("empty_table", language), "body"))
                continue
            view = _table_view(ResultTableModel(spec.columns, rows, language))
            view.setObjectName(f"Table_{spec.key}")
            self.tables[spec.key] = view
            self.content_box.addWidget(view)
        self.content.setVisible(bool(scalars or tables))
        self.content_box.addStretch(1)
        self.scroll_area.verticalScrollBar().setValue(0)

    def _add_scalar(self, grid: QGridLayout, row: int, spec: ResultField, value: Any,
                    language: str) -> None:
        text = shown_value(value, spec.format, language)
        self.values[spec.key] = text
        label = make_label(spec.label_zh if language == "zh" else spec.label_en, "fieldLabel")
        shown = make_label(text, "fieldValue")
        shown.setObjectName(f"Value_{spec.key}")
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        grid.addWidget(label, row, 0)
        grid.addWidget(shown, row, 1)

    def _drop_content(self) -> None:
        while self.content_box.count():
            item = self.content_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.tables = {}
        self.values = {}
        for label in (self.title, self.status, self.status_body, self.as_of):
            label.clear()

    def clear(self) -> None:
        self._key = None
        self._drop_content()

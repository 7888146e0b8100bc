"""The result screen: a generic view driven by the service's result fields.

Scalar fields become label/value rows; table fields become tables with big rows where they fit
on a landscape panel, and a column of row cards elsewhere (kiosk.ui.table_layout decides). The
whole answer scrolls as one, downwards only. Values are formatted by
services_catalog.presentation, the same code the certificate uses, so screen and paper agree.
"No record" is shown as an ordinary answer.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk import flow
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.screens.result_table import TableSection
from kiosk.ui.spoken import result_summary
from kiosk.ui.table_layout import shown_value
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_button, make_label
from services_catalog.model import QueryResult, ResultField, Service
from services_catalog.presentation import ValueFormatError, format_date

__all__ = ["ResultPage", "shown_value"]

SCROLLBAR = 52  # the stylesheet's 48 px touch scroll bar, plus its frame
_CONTENT_MARGIN = 32  # left and right inside the white result card
_CARD_BORDER = 2  # the result card's border in the stylesheet


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
        self.content_box.setContentsMargins(_CONTENT_MARGIN, 24, _CONTENT_MARGIN, 24)
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
        self.tables: dict[str, TableSection] = {}
        self.values: dict[str, str] = {}
        self._key: tuple[Service | None, QueryResult | None, str, bool] | None = None

    def show_state(self, state: flow.SessionState) -> None:
        # Elderly mode is part of the key: bigger text changes which tables still fit.
        key = (state.service, state.result, state.language, state.elderly)
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
            section = TableSection(spec.key, spec.columns, rows, language)
            self.tables[spec.key] = section
            self.content_box.addWidget(section)  # parented first, so it measures in QSS fonts
        self.content.setVisible(bool(scalars or tables))
        self.content_box.addStretch(1)
        if self.isVisible():  # a hidden page is fitted when shown, in its real size and fonts
            self.fit_tables()
        self.scroll_area.verticalScrollBar().setValue(0)

    def table_width(self) -> int:
        """The width a table section gets inside the scroll area, scroll bar allowed for.

        Taken from the page, not from the content, so showing cards (and with them a vertical
        scroll bar) cannot flip the choice back and forth."""
        frame = 2 * self.scroll_area.frameWidth() + 2 * _CARD_BORDER
        return self.scroll_area.width() - frame - SCROLLBAR - 2 * _CONTENT_MARGIN

    def fit_tables(self) -> None:
        for section in self.tables.values():
            section.fit(self.table_width(), self.portrait())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self.isVisible():
            self.fit_tables()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        # Measured again once shown, when the stylesheet's fonts are surely applied.
        super().showEvent(event)
        self.fit_tables()

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
                # Hidden at once: a deferred delete alone could leave the last citizen's
                # rows painted under the next answer until the event loop comes round.
                widget.hide()
                widget.deleteLater()
        self.tables = {}
        self.values = {}
        for label in (self.title, self.status, self.status_body, self.as_of):
            label.clear()

    def read_aloud(self, state: flow.SessionState) -> str:
        if state.service is None or state.result is None:
            return self.prompt(state)
        return result_summary(state.service, state.result, state.language)

    def clear(self) -> None:
        self._key = None
        self._drop_content()

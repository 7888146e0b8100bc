"""服务清单 / All services: every service this terminal offers, by category, with its agency,
opening hours and enquiry phone (kiosk.public_list, the same rows as the printed notice).
A tap on a service starts it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QScroller

from kiosk import flow
from kiosk.public_list import ListedService, load_agency_phones, public_list
from kiosk.ui.screens.base import Page, UiContext
from kiosk.ui.texts import t
from kiosk.ui.widgets import make_label

ServiceIdRole = Qt.ItemDataRole.UserRole + 1


def row_text(service: ListedService, language: str) -> str:
    zh = language == "zh"
    name = service.name_zh if zh else service.name_en
    agency = service.agency_zh if zh else service.agency_en
    hours = t("hours", language, hours=service.hours_zh if zh else service.hours_en)
    phone = t("phone", language, phone=service.phone)
    return f"{name}\n{agency} · {hours} · {phone}"


class AllServicesPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.title = make_label("", "title")
        self.note = make_label("", "hint")
        self.list = QListWidget()
        self.list.setObjectName("AllServices")
        self.list.setWordWrap(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        QScroller.grabGesture(self.list.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.list.itemClicked.connect(self._chosen)
        self.body.addWidget(self.title)
        self.body.addWidget(self.note)
        self.body.addWidget(self.list, 1)
        try:
            self.phones = load_agency_phones()
        except OSError:  # the list still shows, with the 12345 hotline for every agency
            self.phones = {}
        self._key: tuple[Any, ...] | None = None

    def show_state(self, state: flow.SessionState) -> None:
        language = state.language
        services = list(self.ctx.catalog.enabled())
        key = (language, tuple(s.id for s in services))
        if key == self._key:
            return  # a touch must not rebuild the list and lose the scroll position
        self._key = key
        self.title.setText(t("all_services_title", language))
        self.note.setText(t("all_services_note", language) if services else
                          t("all_services_none", language, hours=self.ctx.counter_hours))
        self.list.clear()
        for group in public_list(services, self.phones):
            header = QListWidgetItem(group.name_zh if language == "zh" else group.name_en)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.list.addItem(header)
            for service in group.services:
                item = QListWidgetItem(row_text(service, language))
                item.setData(ServiceIdRole, service.id)
                self.list.addItem(item)

    def _chosen(self, item: QListWidgetItem) -> None:
        service_id = item.data(ServiceIdRole)
        if not service_id:
            return
        service = next((s for s in self.ctx.catalog.enabled() if s.id == service_id), None)
        if service is not None:  # switched off meanwhile: the list refreshes on next show
            self.ctx.dispatch(flow.ChooseService(service))

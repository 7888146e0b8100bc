"""The admin's service switches on the terminal itself (after the admin PIN): every service
with its state; a tap switches it, at once, for the running terminal (kiosk.service_switches
keeps it in the terminal's switch file and the audit log)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QScrollArea, QVBoxLayout, QWidget

from kiosk.service_switches import Unservable
from kiosk.switch_file import BrokenSwitchFile, SwitchFileBusy
from kiosk.ui.attendant import s
from kiosk.ui.widgets import Background, make_button, make_label, repolish
from services_catalog.model import CATEGORY_NAMES, Category


class AdminActions(Protocol):
    def services(self) -> Sequence[Any]: ...

    def set_service_enabled(self, service_id: str, enabled: bool) -> bool: ...


def switch_text(switch: Any, language: str) -> str:
    name = switch.name_zh if language == "zh" else switch.name_en
    state = s("service_on" if switch.enabled else "service_off", language)
    category = CATEGORY_NAMES[Category(switch.category)][0 if language == "zh" else 1]
    return f"{name}  ({category}) · {state}"


class AdminServicesPage(QWidget):
    back_requested = Signal()

    def __init__(self, admin: AdminActions | None, background: Background) -> None:
        super().__init__()
        self.setObjectName("Page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.admin = admin
        self.background = background
        self.language = "zh"
        self.buttons: dict[str, QPushButton] = {}
        self.switches: dict[str, Any] = {}
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 24, 40, 24)
        box.setSpacing(14)
        self.title = make_label("", "title")
        self.note = make_label("", "body")
        self.result = make_label("", "body")
        self.result.setObjectName("AdminResult")
        self.list_box = QVBoxLayout()
        self.list_box.setAlignment(Qt.AlignmentFlag.AlignTop)
        holder = QWidget()
        holder.setLayout(self.list_box)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(holder)
        self.back = make_button("", "primary", self.back_requested.emit, name="AdminBack")
        box.addWidget(self.title)
        box.addWidget(self.note)
        box.addWidget(self.scroll, 1)
        box.addWidget(self.result)
        box.addWidget(self.back)

    def start(self, language: str) -> None:
        self.language = language
        self.title.setText(s("admin_title", language))
        self.note.setText(s("admin_note", language))
        self.back.setText(s("back_to_panel", language))
        self.result.clear()
        self.load()

    def load(self) -> None:
        admin = self.admin
        if admin is not None:
            self.background.run(lambda: list(admin.services()), self._show)

    def _show(self, ok: bool, value: Any) -> None:
        if not ok:
            return
        for switch in value:
            self.switches[switch.id] = switch
            button = self.buttons.get(switch.id)
            if button is None:
                button = make_button("", on_click=lambda sid=switch.id: self.toggle(sid),
                                     name=f"Switch_{switch.id}")
                self.list_box.addWidget(button)
                self.buttons[switch.id] = button
            button.setText(switch_text(switch, self.language))
            button.setProperty("role", "primary" if switch.enabled else "")
            repolish(button)

    def toggle(self, service_id: str) -> None:
        admin = self.admin
        switch = self.switches.get(service_id)
        if admin is None or switch is None:
            return
        wanted = not switch.enabled
        self.result.setText(s("working", self.language))
        self.background.run(lambda: admin.set_service_enabled(service_id, wanted),
                            lambda ok, value: self._switched(ok, value, wanted))

    def _switched(self, ok: bool, value: Any, wanted: bool) -> None:
        if ok and value != wanted:  # kept here, but a fleet's configuration lies over it
            self.result.setText(s("switch_held_on" if value else "switch_held_off",
                                  self.language))
        elif ok:
            self.result.setText(s("action_ok", self.language))
        elif isinstance(value, Unservable):
            self.result.setText(s("switch_unservable", self.language))
        elif isinstance(value, SwitchFileBusy):
            self.result.setText(s("switch_busy", self.language))
        elif isinstance(value, BrokenSwitchFile):
            self.result.setText(s("switch_file_broken", self.language))
        elif isinstance(value, OSError):  # never a raw errno in front of staff
            self.result.setText(s("switch_not_writable", self.language))
        else:
            self.result.setText(s("switch_failed", self.language, detail=str(value)))
        self.load()

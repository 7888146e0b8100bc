"""What every page shares: the context it is built with, and the show_state/clear contract."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk import flow
from kiosk.ui.texts import SCREEN_PROMPTS, pick, t
from services_catalog.model import Category, Service


class CatalogView(Protocol):
    """The part of services_catalog.catalog.Catalog the screens use."""

    def enabled(self) -> Sequence[Service]: ...

    def in_category(self, category: Category) -> Sequence[Service]: ...

    def search(self, text: str) -> Sequence[Service]: ...


class Dispatcher(Protocol):
    def dispatch(self, event: flow.Event) -> Any: ...


@dataclass
class UiContext:
    """Everything a page may need; pages never reach for globals."""

    runner: Dispatcher
    catalog: CatalogView
    hall_name_zh: str
    hall_name_en: str
    hall_phone: str
    terminal_id: str
    demo: bool
    face_frames: Callable[[], Any] | None = None
    call_staff: Callable[[], Any] | None = None
    notices: tuple[tuple[str, str], ...] = ()  # (zh, en) lines a fleet's centre sets
    counter_hours: str = "09:00–17:00"  # weekday hours of the staffed counters

    def dispatch(self, event: flow.Event) -> None:
        self.runner.dispatch(event)

    def ring_staff(self, language: str) -> str:
        """Call an attendant where the terminal has a way to; the sentence to show either way
        (Help and the error screen both use it)."""
        key = "staff_phone"
        if self.call_staff is not None:
            try:
                # None: nobody is on duty now (night, weekend): no call, the hotline instead.
                key = "staff_called" if self.call_staff() is not None else "staff_night"
            except Exception:  # no way to reach staff now: fall back to the phone number
                key = "staff_phone"
        return t(key, language, phone=self.hall_phone)

    def wall_clock(self) -> datetime:
        """The terminal's wall clock (the runner's, so a scripted tour can keep office hours)."""
        clock = getattr(self.runner, "wall_clock", None)
        return clock() if callable(clock) else datetime.now()


class Page(QWidget):
    """A screen. `show_state` is called with every new state while the page is shown; `clear`
    forgets everything about the citizen (on every wipe, shown or not)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("Page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(48, 32, 48, 32)
        self.body.setSpacing(24)

    def show_state(self, state: flow.SessionState) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        """Default: nothing personal is kept. Pages that show personal data override this."""

    def prompt(self, state: flow.SessionState) -> str:
        """What the voice says as the screen appears (kiosk.ui.texts.SCREEN_PROMPTS)."""
        return pick(SCREEN_PROMPTS[state.screen.value], state.language)

    def read_aloud(self, state: flow.SessionState) -> str:
        """What "read aloud" says here: the prompt, or a summary of what the screen shows."""
        return self.prompt(state)

    def portrait(self) -> bool:
        return self.height() > self.width()

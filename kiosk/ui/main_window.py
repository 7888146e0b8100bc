"""The kiosk window: one page per flow.Screen, the bar, overlays and attendant mode.

A thin view over SessionRunner: the runner's observer only emits a queued signal, and the GUI
thread then reads `runner.state` and shows it. Every wipe (a new or empty session token)
clears every page and closes every overlay, so nothing of one citizen is left for the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devices.status import DeviceStatus
from kiosk import flow
from kiosk.flow import Screen
from kiosk.ui import theme
from kiosk.ui.admin import AdminServicesPage
from kiosk.ui.attendant import AttendantActions, AttendantPanel, PinPadPage
from kiosk.ui.overlays import HelpOverlay, MoreTimeOverlay, StaffConfirmOverlay
from kiosk.ui.screens.all_services import AllServicesPage
from kiosk.ui.screens.attract import AttractPage
from kiosk.ui.screens.auth import FacePage, PlaceCardPage
from kiosk.ui.screens.base import CatalogView, Page, UiContext
from kiosk.ui.screens.home import HomePage, ServiceListPage
from kiosk.ui.screens.inputs import InputsPage
from kiosk.ui.screens.kept import PrintKeptPage
from kiosk.ui.screens.result import ResultPage
from kiosk.ui.screens.status import (
    CollectingPage,
    DonePage,
    ErrorPage,
    OutOfServicePage,
    PrintingPage,
    QueryingPage,
)
from kiosk.ui.texts import VOICE, pick
from kiosk.ui.voice import VoicePrompts
from kiosk.ui.widgets import Background, Bar

NO_BAR = {Screen.ATTRACT, Screen.OUT_OF_SERVICE}
# Lockdown: the touch panel and the on-screen keyboard are the only input. A keyboard plugged
# into the terminal (Alt+F4, Alt+Tab, Escape, Ctrl+Q, typing into a field, an input method)
# does nothing, and no widget opens a Cut/Copy/Paste menu on a long press or right click.
BLOCKED_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
    QEvent.Type.Shortcut, QEvent.Type.InputMethod, QEvent.Type.ContextMenu,
})
NO_BACK = {Screen.HOME, Screen.QUERYING, Screen.PRINTING, Screen.COLLECTING, Screen.DONE}
ATTENDANT_IDLE_S = 120.0
# Staff log in with a long press on the bottom-left corner (not on a button), then the PIN:
# kept apart from everything a citizen touches.
STAFF_CORNER_PX = 90
STAFF_HOLD_MS = 3000


def in_staff_corner(x: int, y: int, height: int, corner: int = STAFF_CORNER_PX) -> bool:
    """Window coordinates inside the bottom-left corner square."""
    return 0 <= x < corner and height - corner <= y < height


class Runner(Protocol):
    """What the window needs of kiosk.session.SessionRunner."""

    timeouts: flow.Timeouts

    @property
    def state(self) -> flow.SessionState: ...

    def dispatch(self, event: flow.Event) -> Any: ...

    def subscribe(self, observer: Callable[[flow.SessionState], None]) -> None: ...

    def now(self) -> float: ...

    def tick(self) -> None: ...


class _Bridge(QObject):
    changed = Signal()

    def notify(self, _state: flow.SessionState) -> None:
        try:
            self.changed.emit()
        except RuntimeError:  # the window is gone (shutdown): nothing to show any more
            pass


class MainWindow(QMainWindow):
    def __init__(
        self,
        runner: Runner,
        catalog: CatalogView,
        *,
        hall_name_zh: str,
        hall_name_en: str,
        hall_phone: str,
        terminal_id: str,
        demo: bool,
        face_frames: Callable[[], Any] | None = None,
        device_statuses: Callable[[], Sequence[DeviceStatus]] | None = None,
        attendant: AttendantActions | None = None,
        voice: VoicePrompts | None = None,
        call_staff: Callable[[], Any] | None = None,
        tick_ms: int = 1000,
        service_reasons: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        super().__init__()
        theme.apply_app_font()
        self.runner = runner
        self.voice = voice
        if voice is not None:
            # Voice guides in large-text mode and once the citizen asked for it. The runner
            # calls speak() inside dispatch on the dispatching thread; its lock is re-entrant,
            # so reading the state there is safe.
            voice.bind_session(lambda: runner.state.elderly or runner.state.voice,
                               lambda: runner.state.elderly)
        self.setWindowTitle(f"{hall_name_zh} · {terminal_id}")
        self.ctx = UiContext(runner, catalog, hall_name_zh, hall_name_en, hall_phone,
                             terminal_id, demo, face_frames, call_staff)
        self.background = Background(self)

        root = QWidget()
        root.setObjectName("KioskRoot")
        root.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        column = QVBoxLayout(root)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.bar = Bar()
        self.stack = QStackedWidget()
        column.addWidget(self.bar)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(root)
        # The window is the panel: content that does not fit must never push the window past
        # the screen's edge (tests check that every page fits; see tests/ui/test_layout.py).
        outer = self.layout()
        if outer is not None:
            outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        self.pages: dict[Screen, Page] = {
            Screen.ATTRACT: AttractPage(self.ctx),
            Screen.HOME: HomePage(self.ctx),
            Screen.SERVICE_LIST: ServiceListPage(self.ctx),
            Screen.PLACE_CARD: PlaceCardPage(self.ctx),
            Screen.FACE: FacePage(self.ctx),
            Screen.INPUTS: InputsPage(self.ctx),
            Screen.QUERYING: QueryingPage(self.ctx),
            Screen.RESULT: ResultPage(self.ctx),
            Screen.PRINTING: PrintingPage(self.ctx),
            Screen.PRINT_KEPT: PrintKeptPage(self.ctx),
            Screen.COLLECTING: CollectingPage(self.ctx),
            Screen.ALL_SERVICES: AllServicesPage(self.ctx),
            Screen.DONE: DonePage(self.ctx),
            Screen.ERROR: ErrorPage(self.ctx),
            Screen.OUT_OF_SERVICE: OutOfServicePage(self.ctx),
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.pin_pad = PinPadPage(attendant, self.background)
        self.service_reasons = service_reasons
        self.attendant_panel = AttendantPanel(attendant, device_statuses, terminal_id,
                                              self.background, service_reasons)
        self.admin_page = AdminServicesPage(attendant, self.background)  # type: ignore[arg-type]
        self.stack.addWidget(self.pin_pad)
        self.stack.addWidget(self.attendant_panel)
        self.stack.addWidget(self.admin_page)
        self.attendant_mode = False
        self._attendant_touched = 0.0
        self._may_close = False

        self.help = HelpOverlay(root, hall_phone)
        self.more_time = MoreTimeOverlay(root)
        self.staff_confirm = StaffConfirmOverlay(root)
        self.help.closed.connect(lambda: runner.dispatch(flow.SetHelpOpen(False)))
        self.help.call_staff.connect(
            lambda: self.help.show_staff_note(self.ctx.ring_staff(runner.state.language)))
        self.help.read_aloud.connect(self.read_aloud)
        self.staff_confirm.confirmed.connect(self.enter_attendant)
        self.more_time.keep.clicked.connect(lambda: runner.dispatch(flow.Touch()))
        attract = self.pages[Screen.ATTRACT]
        assert isinstance(attract, AttractPage)
        attract.read_aloud_requested.connect(self.read_aloud)
        attract.language_requested.connect(self._toggle_language)
        attract.elderly_requested.connect(lambda: runner.dispatch(flow.ToggleElderly()))
        self._corner_timer = QTimer(self)
        self._corner_timer.setSingleShot(True)
        self._corner_timer.setInterval(STAFF_HOLD_MS)
        self._corner_timer.timeout.connect(self.request_staff_login)
        oos = self.pages[Screen.OUT_OF_SERVICE]
        assert isinstance(oos, OutOfServicePage)
        oos.staff.clicked.connect(self.enter_attendant)
        self.pin_pad.unlocked.connect(self._show_panel)
        self.pin_pad.cancelled.connect(self._pin_cancelled)
        self.attendant_panel.exit_requested.connect(self.leave_attendant)
        self.attendant_panel.admin_requested.connect(self._ask_admin_pin)
        self.admin_page.back_requested.connect(self._show_panel)

        self.bar.home.connect(lambda: runner.dispatch(flow.GoHome()))
        self.bar.back.connect(lambda: runner.dispatch(flow.GoBack()))
        self.bar.read_aloud.connect(self.read_aloud)
        self.bar.language.connect(self._toggle_language)
        self.bar.elderly.connect(lambda: runner.dispatch(flow.ToggleElderly()))
        self.bar.help.connect(self._open_help)

        self._token = ""
        self._elderly: bool | None = None
        self._announced: tuple[str, Screen] | None = None
        self._bridge = _Bridge(self)
        self._bridge.changed.connect(self.sync, Qt.ConnectionType.QueuedConnection)
        runner.subscribe(self._bridge.notify)

        self.ticker = QTimer(self)
        self.ticker.setInterval(tick_ms)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.sync()

    # ---- showing --------------------------------------------------------------------------
    def show_kiosk(self, screen_geometry: QRect) -> None:
        """Fill the panel. With no window manager, showFullScreen alone keeps the old size."""
        self.setGeometry(screen_geometry)
        self.showFullScreen()

    def grab_png(self, path: str | Path) -> bool:
        """Save exactly what the citizen sees (overlays included)."""
        return self.grab().save(str(path), "PNG")

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.bar.set_two_rows(self.height() > self.width())

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def sync(self) -> None:
        """Show the runner's current state. Always on the GUI thread."""
        state = self.runner.state
        if state.token != self._token:
            if self._token:
                self.wipe_view()
            self._token = state.token
        if state.elderly != self._elderly:
            self._elderly = state.elderly
            self.setStyleSheet(theme.stylesheet(elderly=state.elderly))
        if self.attendant_mode:
            return
        page = self.pages[state.screen]
        page.show_state(state)
        self._show_reasons(page)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        self.bar.setVisible(state.screen not in NO_BAR)
        self._refresh_clock(state)
        self._announce(state, page)

    def _announce(self, state: flow.SessionState, page: Page) -> None:
        """Say a screen's guidance once as it appears (when the citizen wants voice)."""
        where = (state.token, state.screen)
        if where == self._announced:
            return
        self._announced = where
        if self.voice is None or state.screen is Screen.ATTRACT:
            return
        if state.screen is Screen.PRINT_KEPT:
            # The code of a certificate that did not print is said even with voice off: the
            # citizen may not be looking at the screen when the printer gives up.
            self.voice.say(page.prompt(state), state.language)
        else:
            self.voice.announce(page.prompt(state), state.language)

    def read_aloud(self) -> None:
        """The voice button: read what is in front of the citizen, and guide by voice from
        now on in this session."""
        if self.runner.state.token:
            self.runner.dispatch(flow.TurnVoiceOn())
        state = self.runner.state
        if self.voice is None:
            return
        if self.more_time.is_open():
            text = pick(VOICE["more_time"], state.language)
        elif self.help.is_open():
            text = self.help.spoken_text()
        else:
            page = self.pages[state.screen]
            page.show_state(state)
            text = page.read_aloud(state)
        self.voice.say(text, state.language)

    def _show_reasons(self, page: QWidget) -> None:
        if isinstance(page, OutOfServicePage) and self.service_reasons is not None:
            page.show_reasons(list(self.service_reasons()))

    def wipe_view(self) -> None:
        """Forget the last citizen on screen: every page, the keyboard, any open overlay, and
        whatever the voice was saying."""
        for page in self.pages.values():
            page.clear()
        self.help.close_overlay()
        self.more_time.close_overlay()
        self.staff_confirm.close_overlay()
        if self.voice is not None:
            self.voice.forget()

    def _refresh_clock(self, state: flow.SessionState) -> None:
        left = state.seconds_left(self.runner.now(), self.runner.timeouts)
        self.bar.show_state(state.language, state.elderly, left,
                            can_go_back=state.screen not in NO_BACK,
                            can_go_home=state.screen not in (Screen.PRINTING,
                                                             Screen.COLLECTING))
        due = state.warning_due(self.runner.now(), self.runner.timeouts)
        if self.more_time.update_for(state.language, left, due) and self.voice is not None:
            # Always said, voice wanted or not: the citizen may have looked away.
            self.voice.say(pick(VOICE["more_time"], state.language), state.language)

    def _tick(self) -> None:
        self.runner.tick()
        if self.attendant_mode:
            if time.monotonic() - self._attendant_touched > ATTENDANT_IDLE_S:
                self.leave_attendant()
            return
        self._refresh_clock(self.runner.state)
        self._show_reasons(self.stack.currentWidget())  # a reason may change, the screen not

    # ---- the bar --------------------------------------------------------------------------
    def _toggle_language(self) -> None:
        language = "en" if self.runner.state.language == "zh" else "zh"
        self.runner.dispatch(flow.SetLanguage(language))

    def _open_help(self) -> None:
        self.runner.dispatch(flow.SetHelpOpen(True))  # a longer idle limit while they read
        self.help.show_state(self.runner.state.language)
        self.help.open()

    # ---- attendant mode -------------------------------------------------------------------
    def request_staff_login(self) -> None:
        """The long press in the corner. A citizen's session is never ended without asking."""
        if self.attendant_mode:
            return
        state = self.runner.state
        if state.token:
            self.staff_confirm.ask(state.language)
        else:
            self.enter_attendant()

    def enter_attendant(self) -> None:
        language = self.runner.state.language
        if self.runner.state.token:
            self.runner.dispatch(flow.Finish())  # a citizen's session never stays open
        self.wipe_view()
        self.attendant_mode = True
        self._attendant_touched = time.monotonic()
        self.bar.hide()
        self.pin_pad.start(language)
        self.stack.setCurrentWidget(self.pin_pad)

    def _show_panel(self) -> None:
        """After a PIN: the attendant's panel, or the admin's switches for the admin PIN."""
        if self.pin_pad.role == "admin":
            self.pin_pad.role = "attendant"  # the admin PIN opens the switches once
            self.admin_page.start(self.pin_pad.language)
            self.stack.setCurrentWidget(self.admin_page)
            return
        self.attendant_panel.start(self.pin_pad.language)
        self.stack.setCurrentWidget(self.attendant_panel)

    def _pin_cancelled(self) -> None:
        if self.pin_pad.role == "admin":  # back to the attendant's panel, still unlocked
            self.pin_pad.role = "attendant"
            self._show_panel()
            return
        self.leave_attendant()

    def _ask_admin_pin(self) -> None:
        self.pin_pad.start(self.pin_pad.language, role="admin")
        self.stack.setCurrentWidget(self.pin_pad)

    def leave_attendant(self) -> None:
        self.pin_pad.reset()
        self.attendant_mode = False
        self.sync()

    # ---- touches --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if not isinstance(watched, QWidget) or watched.window() is not self:
            return False
        kind = event.type()
        if kind in BLOCKED_EVENTS:
            return True
        if kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd):
            self._corner_released()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            if self.attendant_mode:
                self._attendant_touched = time.monotonic()
            elif self._corner_pressed(watched, event):
                pass  # a staff gesture, maybe: a citizen's session is not started by it
            else:
                self.runner.dispatch(flow.Touch())
        return False

    def allow_close(self) -> None:
        """The program itself is shutting down (a signal, the administrator): let it close."""
        self._may_close = True

    def _corner_pressed(self, watched: QWidget, event: QEvent) -> bool:
        if isinstance(watched, QAbstractButton) or not isinstance(event, QMouseEvent):
            return False
        spot = self.mapFromGlobal(event.globalPosition().toPoint())
        if not in_staff_corner(spot.x(), spot.y(), self.height()):
            return False
        self._corner_timer.start()
        if self.runner.state.screen is not Screen.ATTRACT:
            self.runner.dispatch(flow.Touch())  # still a touch for the idle clock
        return True

    def _corner_released(self) -> None:
        if self._corner_timer.isActive():
            self._corner_timer.stop()
            if self.runner.state.screen is Screen.ATTRACT:
                self.runner.dispatch(flow.Touch())  # a short tap there starts like any other

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if event.spontaneous() and not self._may_close:
            # A close from the window system (the window manager's close button, Alt+F4,
            # WM_DELETE_WINDOW) is not a way out of the kiosk. The program's own close (app
            # quit, window.close()) is not spontaneous and goes through.
            event.ignore()
            return
        self.ticker.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().closeEvent(event)

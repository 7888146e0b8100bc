""""Call staff" from a citizen's screen: in staff hours a call is raised for the attendant
panel (and for anyone else who subscribes: a fleet link forwards it to the central console);
at night nobody would come, so no call is raised and the citizen is given the hotline.

No I/O of its own and no citizen data: a call names the terminal, the screen and the time.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.flow import Message

if TYPE_CHECKING:
    from kiosk.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffCall:
    id: int
    at: datetime
    terminal_id: str
    screen: str  # flow.Screen value where the citizen asked
    language: str


CallListener = Callable[[StaffCall], None]


class StaffCalls:
    def __init__(
        self, terminal_id: str, on_duty: Callable[[datetime], bool],
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._terminal_id = terminal_id
        self._on_duty = on_duty
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._open: dict[int, StaffCall] = {}
        self._listeners: list[CallListener] = []
        # Listeners write (the audit log, the fleet outbox); the caller is the screen's thread,
        # which must not wait on a database: they hear each call on a thread of their own.
        self._outbox: queue.SimpleQueue[StaffCall | None] = queue.SimpleQueue()
        self._deliverer: threading.Thread | None = None

    def subscribe(self, listener: CallListener) -> None:
        """`listener(call)` for every call raised, in order, on the calls' own thread."""
        with self._lock:
            self._listeners.append(listener)

    def ring(self, screen: str, language: str) -> StaffCall | None:
        """Raise a call when staff are on duty; None at night (show the hotline instead)."""
        now = self._clock()
        if not self._on_duty(now):
            return None
        with self._lock:
            call = StaffCall(next(self._ids), now, self._terminal_id, screen, language)
            self._open[call.id] = call
            if self._deliverer is None:
                self._deliverer = threading.Thread(target=self._deliver, name="staff-calls",
                                                   daemon=True)
                self._deliverer.start()
        self._outbox.put(call)
        return call

    def close(self) -> None:
        """Deliver what is queued, then end the calls' thread (the terminal stops)."""
        with self._lock:
            deliverer, self._deliverer = self._deliverer, None
        if deliverer is not None:
            self._outbox.put(None)
            deliverer.join(5.0)

    def _deliver(self) -> None:
        while (call := self._outbox.get()) is not None:
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(call)
                except Exception:  # a listener's failure never loses the call for the panel
                    log.exception("a staff-call listener failed")

    def open_calls(self) -> list[StaffCall]:
        with self._lock:
            return sorted(self._open.values(), key=lambda c: c.id)

    def answer_all(self) -> int:
        """The attendant came over: the open calls are answered. Returns how many."""
        with self._lock:
            count = len(self._open)
            self._open.clear()
            return count


def staff_absent_hint(settings: Settings, now: datetime) -> Message | None:
    """None while an attendant is on duty (weekdays, configured hours); otherwise what a
    citizen who needs help can do instead."""
    start, end = settings.attendant.weekday_hours
    if now.weekday() < 5 and start <= now.time() <= end:
        return None
    phone = settings.hall_phone
    hours = f"{start:%H:%M}–{end:%H:%M}"
    return Message(
        f"现在没有工作人员在岗（工作日 {hours}）。需要帮助请拨打 {phone}，或在工作时间到窗口办理。",
        f"No staff are on duty now (weekdays {hours}). For help call {phone}, or visit a "
        "counter during opening hours.",
    )

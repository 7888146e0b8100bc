"""The simulated citizen and stand-ins of `kiosk --simulate`: a reader on a pseudo-terminal
where a demo card is placed a moment after the card screen appears, a camera playing a
portrait, the demo back-end on loopback. Each speaks the same protocol as the real thing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_PERSON_CARD = "410402198805201238"  # the demo card the simulator places on the reader


@dataclass
class Simulation:
    """The stand-ins of a terminal without hardware, and the citizen who places the card."""

    reader: Any = None
    camera: Any = None
    backend: Any = None
    card_id: str = DEMO_PERSON_CARD
    place_delay_s: float = 1.5
    slot_busy: Callable[[], bool] | None = None  # the reader still reports a card lying there
    _timer: threading.Timer | None = None
    _cancelled: threading.Event | None = None

    def place_card_soon(self) -> None:
        """What a citizen does on the card screen, a moment after it appears."""
        from devices.idcard.simulator import demo_cards

        self.cancel_card()
        card = next(c for c in demo_cards().values() if c.id_number == self.card_id)
        self._cancelled = cancelled = threading.Event()
        self._timer = threading.Timer(self.place_delay_s, self._place, args=(card, cancelled))
        self._timer.daemon = True
        self._timer.start()

    def _place(self, card: Any, cancelled: threading.Event) -> None:
        # A hand that takes a card away and puts it back takes longer than the reader needs
        # to see the slot empty: wait for that (a few seconds at most), as a person would.
        deadline = time.monotonic() + 5
        while self.slot_busy is not None and self.slot_busy() and time.monotonic() < deadline:
            if cancelled.wait(0.01):
                return
        if not cancelled.is_set():
            self.reader.place_card(card)

    def cancel_card(self) -> None:
        if self._cancelled is not None:
            self._cancelled.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.reader is not None:
            self.reader.remove_card()

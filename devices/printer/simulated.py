"""A status source that injects printer faults: paper out, jam, offline, paper low.

`CupsPrinter(status_source=...)` adds these IPP printer-state-reasons to the ones the real queue
reports, so tests and the demo drive the whole real path (cupsd, job tracking, status mapping)
while a fault is only pretended. Thread-safe: a test thread sets faults while the poller reads.
"""

from __future__ import annotations

import threading
from typing import Protocol


class PrinterStatusSource(Protocol):
    """Anything that can add printer-state-reasons to what the spooler reports."""

    def reasons(self) -> tuple[str, ...]: ...


class SimulatedPrinterStatus:
    PAPER_OUT = "media-empty-error"
    PAPER_LOW = "media-low-report"
    JAM = "media-jam-error"
    OFFLINE = "offline-report"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: dict[str, None] = {}

    def reasons(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._reasons)

    def set(self, reason: str) -> None:
        with self._lock:
            self._reasons[reason] = None

    def paper_out(self) -> None:
        self.set(self.PAPER_OUT)

    def paper_low(self) -> None:
        self.set(self.PAPER_LOW)

    def jam(self) -> None:
        self.set(self.JAM)

    def offline(self) -> None:
        self.set(self.OFFLINE)

    def clear(self, reason: str | None = None) -> None:
        """Clear one injected reason, or all of them."""
        with self._lock:
            if reason is None:
                self._reasons.clear()
            else:
                self._reasons.pop(reason, None)

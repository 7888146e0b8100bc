"""What an attendant can do at the terminal: unlock with a PIN, reprint, clear the printer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the window is built before these heavy modules are needed
    from kiosk.certificates import PrintOutcome
    from kiosk.runtime import Runtime

log = logging.getLogger(__name__)


class AttendantDesk:
    """Works on the runtime's parts once they are up (the window exists before them)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def verify_pin(self, pin: str) -> bool:
        if not self._runtime.ready.is_set():
            return False
        store = self._runtime.store
        check = store.credentials.verify("attendant", pin)
        outcome = "ok" if check.ok else ("locked" if check.locked_until else "wrong_pin")
        store.audit.record("attendant_unlock", outcome, actor="attendant")
        return check.ok

    def reprint_last(self, confirm_in_doubt: bool = False) -> PrintOutcome | None:
        """Reprint the newest certificate that has not printed yet (None: nothing waits).
        A job whose first copy may have come out is held unless the attendant confirms."""
        outcome: PrintOutcome | None = self._runtime.desk.reprint_last_unprinted(
            confirm_in_doubt=confirm_in_doubt
        )
        return outcome

    def clear_jam(self) -> bool:
        """After the paper path is cleared by hand: let the queue accept and print again."""
        printer: Any = self._runtime.printer
        resume = getattr(printer, "resume", None)
        if resume is not None:
            resume()
        self._runtime.store.audit.record("printer_cleared", "ok", actor="attendant")
        return bool(printer.status().ready)

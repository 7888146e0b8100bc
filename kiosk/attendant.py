"""What staff can do at the terminal: unlock with a PIN, see the kept certificates and reprint
any of them, print a test page, clear the printer, answer citizens' calls; with the admin
PIN, switch services on and off on the running terminal. Everything is audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the window is built before these heavy modules are needed
    from kiosk.certificates import PrintOutcome
    from kiosk.runtime import Runtime
    from kiosk.staff_calls import StaffCall
    from kiosk.store.jobs import WaitingJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSwitch:
    id: str
    name_zh: str
    name_en: str
    category: str
    enabled: bool


@dataclass(frozen=True)
class TestPrint:
    printed: bool
    message_zh: str = ""
    message_en: str = ""


class AttendantDesk:
    """Works on the runtime's parts once they are up (the window exists before them)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def verify_pin(self, pin: str, role: str = "attendant") -> bool | None:
        """True/False; None while the terminal is still starting (no PIN can be checked)."""
        if not self._runtime.ready.is_set():
            return None
        store = self._runtime.store
        check = store.credentials.verify(role, pin)
        outcome = "ok" if check.ok else ("locked" if check.locked_until else "wrong_pin")
        store.audit.record(f"{role}_unlock", outcome, actor=role)
        return check.ok

    # ---- kept certificates -------------------------------------------------------------
    def waiting_jobs(self) -> list[WaitingJob]:
        jobs: list[WaitingJob] = self._runtime.desk.waiting()
        return jobs

    def reprint(self, job_id: int, confirm_in_doubt: bool = False) -> PrintOutcome | None:
        """Reprint one kept certificate (None: it is no longer kept). A job whose first copy
        may have come out is held unless the attendant confirms."""
        outcome: PrintOutcome | None = self._runtime.desk.reprint(
            job_id, confirm_in_doubt=confirm_in_doubt)
        return outcome

    def reprint_last(self, confirm_in_doubt: bool = False) -> PrintOutcome | None:
        outcome: PrintOutcome | None = self._runtime.desk.reprint_last_unprinted(
            confirm_in_doubt=confirm_in_doubt
        )
        return outcome

    # ---- the printer -------------------------------------------------------------------
    def clear_jam(self) -> bool:
        """After the paper path is cleared by hand: let the queue accept and print again."""
        printer: Any = self._runtime.printer
        resume = getattr(printer, "resume", None)
        if resume is not None:
            resume()
        self._runtime.store.audit.record("printer_cleared", "ok", actor="attendant")
        return bool(printer.status().ready)

    def test_print(self) -> TestPrint:
        """One test page through the real printer path, followed to the end."""
        from devices.printer.base import PrinterError
        from kiosk.test_page import render_test_page

        runtime = self._runtime
        printer: Any = runtime.printer
        pdf = render_test_page(runtime.settings.terminal_id, runtime.runner.wall_clock())
        try:
            job = printer.submit(pdf, "测试页 test page")
            result = printer.wait(job, 60.0)
        except PrinterError as exc:
            runtime.store.audit.record("test_print", type(exc).__name__, actor="attendant")
            return TestPrint(False, exc.message_zh, exc.message_en)
        if result.completed:
            runtime.store.audit.record("test_print", "ok", actor="attendant")
            return TestPrint(True)
        error = result.error
        runtime.store.audit.record("test_print", "failed", actor="attendant")
        return TestPrint(False, getattr(error, "message_zh", "测试页没有打出。"),
                         getattr(error, "message_en", "The test page did not print."))

    # ---- the day -----------------------------------------------------------------------
    def sessions_today(self) -> int:
        """Citizen sessions that ended since local midnight (from the audit log)."""
        now = self._runtime.runner.wall_clock()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if midnight.tzinfo is None:
            midnight = midnight.astimezone()  # the terminal's local zone
        count: int = self._runtime.store.audit.count("session_end", midnight)
        return count

    def open_calls(self) -> list[StaffCall]:
        calls: list[StaffCall] = self._runtime.staff_calls.open_calls()
        return calls

    def answer_calls(self) -> int:
        answered: int = self._runtime.staff_calls.answer_all()
        if answered:
            self._runtime.store.audit.record("staff_call", "answered", actor="attendant",
                                             detail=str(answered))
        return answered

    def config_problem(self) -> str:
        """Why the config or switch file's last edit was not applied ("" when it was)."""
        problem: str = self._runtime.switches.problem
        return problem

    # ---- admin: services ---------------------------------------------------------------
    def services(self) -> list[ServiceSwitch]:
        return [ServiceSwitch(s.id, s.name_zh, s.name_en, s.category.value, s.enabled)
                for s in self._runtime.catalog.services]

    def set_service_enabled(self, service_id: str, enabled: bool) -> bool:
        """Switch one service on this terminal now (kept in its switch file); the state now in
        force, which a fleet's configuration may hold otherwise."""
        self._runtime.switches.set_enabled(service_id, enabled)
        service = self._runtime.catalog.get(service_id)
        return bool(service is not None and service.enabled)

    def now(self) -> datetime:
        clock: datetime = self._runtime.runner.wall_clock()
        return clock

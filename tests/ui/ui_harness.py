"""Fakes for the session's ports, and a window driven by a real SessionRunner.

The fakes answer on their own threads, as real devices and back-ends do, so the window's
thread hand-over is exercised too. Time is a fake clock the tests move by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk import flow
from kiosk.session import PrintFailure, SessionRunner
from services_catalog.catalog import Catalog
from services_catalog.model import AuthenticatedPerson, QueryResult, Service

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


def office_hours() -> datetime:
    """Noon today: the demo catalog's real-estate back-ends close at night."""
    return datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeCard:
    """'Reads' the demo person a moment after being armed."""

    def __init__(self) -> None:
        self.armed = False
        self.fail_with: flow.Message | None = None
        self.hold = False  # keep waiting for a card (to look at the screen)

    def arm(self, on_card: Any, *, face_follows: bool = False) -> None:
        self.armed = True
        self.on_card = on_card
        if self.hold:
            return

        def read() -> None:
            if self.armed:
                if self.fail_with is not None:
                    on_card(None, self.fail_with)
                else:
                    on_card(PERSON, None)

        threading.Timer(0.05, read).start()

    def disarm(self) -> None:
        self.armed = False

    def session_ended(self) -> None:
        self.armed = False

    def present(self) -> None:
        """The citizen lays the card down (used with hold = True)."""
        threading.Thread(target=self.on_card, args=(PERSON, None)).start()


class FakeFace:
    def __init__(self) -> None:
        self.hold = False
        self.running = False

    def start(self, person: AuthenticatedPerson, on_done: Any, time_factor: float = 1.0) -> None:
        self.running = True
        self.time_factor = time_factor
        self.on_done = on_done
        if not self.hold:
            threading.Timer(0.05, lambda: on_done(True, None)).start()

    def stop(self) -> None:
        self.running = False

    def accept(self) -> None:
        threading.Thread(target=self.on_done, args=(True, None)).start()


class FakeQuery:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.error: Exception | None = None
        self.answer: QueryResult | None = None
        self.gate = threading.Event()
        self.gate.set()

    def query(self, service: Service, person: AuthenticatedPerson,
              inputs: Mapping[str, str]) -> QueryResult:
        self.calls.append((service.id, dict(inputs)))
        self.gate.wait(5)
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.answer or sample_result(service)


class FakeCertificates:
    def __init__(self) -> None:
        self.issued: list[str] = []
        self.forgotten = 0
        self.fail = False
        self.fail_code = ""  # a failed print that left a kept certificate with this code
        self.kept: list[str] = []  # codes a card holder can collect
        self.gate = threading.Event()
        self.gate.set()

    def issue_and_print(self, service: Service, person: AuthenticatedPerson,
                        result: QueryResult, request_key: str) -> str:
        self.gate.wait(5)
        if self.fail:
            self.fail = False
            code, self.fail_code = self.fail_code, ""
            if code:
                self.kept.append(code)
            raise PrintFailure(flow.Message("打印机缺纸，请联系工作人员。",
                                            "The printer is out of paper. Please ask staff.",
                                            can_retry=True, offer_attendant=True),
                               code, slip_printed=bool(code))
        self.issued.append(service.id)
        return "K7Q2-9XHD"

    def forget_session(self) -> None:
        self.forgotten += 1

    def collect(self, person: AuthenticatedPerson) -> tuple[str, ...]:
        from kiosk.session import NothingToCollect

        if not self.kept:
            raise NothingToCollect(flow.Message("没有待领取的证明。", "Nothing is kept."))
        codes, self.kept = tuple(self.kept), []
        return codes


class FakeAudit:
    def record(self, action: str, outcome: str, person: Any, detail: str = "") -> None:
        pass


class FakeAttendant:
    """Answers like kiosk.attendant.AttendantDesk: a reprint outcome, or None when nothing
    waits; `in_doubt_first` makes the first reprint held (a copy may already be out)."""

    def __init__(self) -> None:
        self.reprints = 0
        self.reprinted: list[int] = []
        self.confirmed = 0
        self.jams_cleared = 0
        self.test_prints = 0
        self.in_doubt_first = False
        self.calls: list[Any] = []
        self.switched_off: set[str] = set()
        self.switch_error: Exception | None = None
        self.held_off_by_centre: set[str] = set()
        self.catalog: Any = None
        self.problem = ""

    def config_problem(self) -> str:
        return self.problem

    def verify_pin(self, pin: str, role: str = "attendant") -> bool:
        return pin == ("135790" if role == "admin" else "246810")

    def waiting_jobs(self) -> list[Any]:
        from datetime import UTC, datetime

        from kiosk.store.jobs import WaitingJob

        at = datetime(2026, 5, 4, 2, 17, tzinfo=UTC)
        return [] if self.reprints else [
            WaitingJob(8, at, "WXYZ-2345-6789-ABCD", "不动产登记信息查询", "李**", "failed",
                       "PaperJam", 1),
            WaitingJob(7, at, "ABCD-EFGH-JKLM-NPQR", "无房证明", "张*", "failed",
                       "in-doubt: timeout, cancel not confirmed", 1),
        ]

    def reprint(self, job_id: int, confirm_in_doubt: bool = False) -> Any:
        from kiosk.certificates import CHECK_TRAY_FIRST, PrintOutcome

        self.reprints += 1
        self.reprinted.append(job_id)
        self.confirmed += confirm_in_doubt
        if self.in_doubt_first and not confirm_in_doubt:
            return PrintOutcome(7, "ABCD-EFGH-JKLM-NPQR", False, CHECK_TRAY_FIRST, in_doubt=True)
        return PrintOutcome(job_id, "ABCD-EFGH-JKLM-NPQR", True)

    def clear_jam(self) -> bool:
        self.jams_cleared += 1
        return True

    def test_print(self) -> Any:
        from kiosk.attendant import TestPrint

        self.test_prints += 1
        return TestPrint(True)

    def sessions_today(self) -> int:
        return 12

    def open_calls(self) -> list[Any]:
        return list(self.calls)

    def answer_calls(self) -> int:
        answered, self.calls = len(self.calls), []
        return answered

    def services(self) -> list[Any]:
        from kiosk.attendant import ServiceSwitch

        return [ServiceSwitch(s.id, s.name_zh, s.name_en, s.category.value,
                              s.id not in self.switched_off | self.held_off_by_centre)
                for s in self.catalog.services]

    def set_service_enabled(self, service_id: str, enabled: bool) -> bool:
        if self.switch_error is not None:
            raise self.switch_error
        (self.switched_off.discard if enabled else self.switched_off.add)(service_id)
        if service_id in self.held_off_by_centre:  # the fleet's configuration lies over it
            return False
        return enabled


def sample_result(service: Service) -> QueryResult:
    """Plausible values for every result field of a service."""
    sample = {"amount": "1234.56", "number": 3, "area": 89.5, "percent": 12.5,
              "date": "2024-05-01", "month": "2024-05", "text": "示例"}
    values: dict[str, Any] = {}
    tables: dict[str, list[dict[str, Any]]] = {}
    for spec in service.result_fields:
        if spec.format == "table":
            tables[spec.key] = [
                {c.key: sample[c.format] if c.format != "text" else f"{c.label_zh}{i}"
                 for c in spec.columns}
                for i in range(1, 15)
            ]
        else:
            values[spec.key] = sample[spec.format]
    return QueryResult(service.id, values, tables, data_as_of="2024-06-30")


class Kiosk:
    """A window over a real runner with fake ports, plus helpers to drive it."""

    def __init__(self, qtbot: Any, catalog: Catalog, size: tuple[int, int]) -> None:
        from kiosk.ui.main_window import MainWindow

        self.qtbot = qtbot
        self.clock = FakeClock()
        self.card, self.face, self.query = FakeCard(), FakeFace(), FakeQuery()
        self.certificates, self.attendant = FakeCertificates(), FakeAttendant()
        self.attendant.catalog = catalog
        self.frames: list[Any] = [None]
        self.runner = SessionRunner(card=self.card, face=self.face, query=self.query,
                                    certificates=self.certificates, audit=FakeAudit(),
                                    clock=self.clock, wall_clock=office_hours)
        self.window = MainWindow(
            self.runner, catalog, hall_name_zh="洛阳市政务服务中心 24小时自助服务区",
            hall_name_en="Luoyang Government Service Centre, 24-hour self-service area",
            hall_phone="0379-12345", terminal_id="LY-0001", demo=True,
            face_frames=lambda: self.frames[-1], device_statuses=lambda: [],
            attendant=self.attendant, tick_ms=3_600_000,  # tests tick by hand
        )
        qtbot.addWidget(self.window)
        self.window.resize(*size)
        self.window.show()
        qtbot.waitExposed(self.window)

    @property
    def state(self) -> flow.SessionState:
        return self.runner.state

    def wait_screen(self, screen: flow.Screen) -> None:
        from kiosk.ui.main_window import MainWindow

        window: MainWindow = self.window
        self.qtbot.waitUntil(
            lambda: self.state.screen is screen
            and window.current_page() is window.pages[screen], timeout=5000)

    def click(self, widget: Any) -> None:
        from PySide6.QtCore import Qt

        assert widget.isVisible(), f"{widget.objectName()} is not visible"
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def find(self, cls: Any, name: str) -> Any:
        found = self.window.findChild(cls, name)
        assert found is not None, name
        return found

    def tick(self, seconds: float) -> None:
        self.clock.now += seconds
        self.window._tick()

    def shot(self, shots_dir: Path, name: str) -> Path:
        self.qtbot.wait(30)  # let queued repaints land
        path = shots_dir / f"{name}.png"
        assert self.window.grab_png(path)
        return path


def choose_service(kiosk, list_view, service_id: str) -> None:
    model = list_view.model()
    for row in range(model.rowCount()):
        if model.service_at(row).id == service_id:
            index = model.index(row, 0)
            list_view.scrollTo(index)
            point = list_view.visualRect(index).center()
            from PySide6.QtCore import Qt

            kiosk.qtbot.mouseClick(list_view.viewport(), Qt.MouseButton.LeftButton, pos=point)
            return
    raise AssertionError(f"{service_id} not in the list")

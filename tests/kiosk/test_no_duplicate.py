"""One print request gives at most one certificate and one job, whatever hangs.

The printer hand-off hangs (libcups waits on a silent server under its global lock, a receipt
printer stops reading): the waiting net may give up on the screen, but no retry may issue a
second certificate, every call into a device returns within its deadline, and a hung device
shows as a fault.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from escpos.printer import Dummy

from devices.printer.base import JobOutcome, JobState, PrinterHung, PrintJob
from devices.printer.cups import CupsPrinter
from devices.printer.deadline import DeadlinePrinter
from devices.printer.receipt import ReceiptPrinter, ReceiptSlip
from devices.status import (
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Paper,
    PrinterBlock,
    StatusPublisher,
)
from kiosk import flow
from kiosk.certificates import MAY_HAVE_PRINTED, STILL_IN_PROGRESS, CertificateDesk
from kiosk.session import PrintFailure, SessionRunner
from kiosk.store import Store
from services_catalog.model import QueryResult

from .test_certificate_desk import PERSON, CountingIssuer
from .test_fail_closed import _NoCard, _NoFace, _Query, counts
from .test_flow import make_service


@dataclass
class HungPrinter:
    """A printer whose hand-off never returns until the test lets it go (as a silent cupsd)."""

    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    submitted: list[bytes] = field(default_factory=list)
    publisher: StatusPublisher = field(default_factory=lambda: StatusPublisher(DeviceStatus(
        DeviceClass.PRINTER, DeviceState.ONLINE, printer=PrinterBlock(Paper.FULL))))

    @property
    def status_publisher(self) -> StatusPublisher:
        return self.publisher

    def status(self) -> DeviceStatus:
        self.publisher.publish(dataclasses.replace(self.publisher.status,
                                                   state=DeviceState.ONLINE, detail=""))
        return self.publisher.status

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        self.entered.set()
        self.release.wait()
        self.submitted.append(pdf)
        return PrintJob(str(len(self.submitted)), title, "hung")

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        return JobOutcome(job, JobState.COMPLETED)

    def cancel(self, job: PrintJob) -> bool:
        return False


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    yield s
    s.close()


# ---- the flow: the waiting net never offers a second issue ---------------------------------


def printing_state() -> tuple[flow.SessionState, flow.Timeouts, str]:
    timeouts = flow.Timeouts(waiting_s=10.0)
    state, _ = flow.step(flow.SessionState(), flow.ChooseService(make_service()), 0.0, timeouts)
    state, _ = flow.step(state, flow.CardAccepted(state.token, PERSON), 0.0, timeouts)
    state, _ = flow.step(state, flow.QueryAnswered(state.token, QueryResult("x")), 0.0, timeouts)
    state, effects = flow.step(state, flow.RequestPrint(), 0.0, timeouts)
    (issue,) = [e for e in effects if isinstance(e, flow.IssueAndPrint)]
    return state, timeouts, issue.request_key


def test_a_print_given_up_on_offers_no_retry_and_its_late_answer_still_counts() -> None:
    state, timeouts, key = printing_state()
    state, _ = flow.step(state, flow.Tick(), 11.0, timeouts)
    assert state.screen is flow.Screen.ERROR and state.message is not None
    assert not state.message.can_retry and state.print_in_flight == key
    for event in (flow.Retry(), flow.RequestPrint()):
        after, effects = flow.step(state, event, 12.0, timeouts)
        assert not any(isinstance(e, flow.IssueAndPrint) for e in effects)
    done, _ = flow.step(state, flow.Printed(state.token, "CODE-1"), 30.0, timeouts)
    assert done.screen is flow.Screen.DONE and done.verification_code == "CODE-1"


def test_a_late_failure_allows_a_retry_of_the_same_request() -> None:
    state, timeouts, key = printing_state()
    state, _ = flow.step(state, flow.Tick(), 11.0, timeouts)
    jam = flow.Message("卡纸", "jam", can_retry=True)
    state, _ = flow.step(state, flow.StepFailed(state.token, jam, print_failed=True), 20.0,
                         timeouts)
    assert state.message is jam and not state.print_in_flight
    _, effects = flow.step(state, flow.Retry(), 21.0, timeouts)
    (again,) = [e for e in effects if isinstance(e, flow.IssueAndPrint)]
    assert again.request_key == key  # the same request: the desk reprints its job


# ---- the desk: one request, one certificate ------------------------------------------------


def test_a_second_run_of_a_request_in_progress_is_refused(store: Store) -> None:
    printer = HungPrinter()
    issuer = CountingIssuer()
    desk = CertificateDesk(issuer=issuer, issuance=store.issuance, printer=printer)
    first = threading.Thread(target=lambda: desk.issue_and_print(
        make_service(), PERSON, QueryResult("x"), "req-1"))
    first.start()
    assert printer.entered.wait(10)
    refused: list[PrintFailure] = []

    def again() -> None:
        try:
            desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
        except PrintFailure as exc:
            refused.append(exc)

    second = threading.Thread(target=again)
    second.start()
    second.join(10)  # refused at once; without the guard it would queue behind the hang
    assert [f.message for f in refused] == [STILL_IN_PROGRESS]
    printer.release.set()
    second.join(10)
    first.join(10)
    assert issuer.calls == 1 and counts(store)["certificates"] == 1
    # Asked again once it printed: the same code, no second certificate, nothing printed.
    assert desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1") == "CODE-1"
    assert issuer.calls == 1 and len(printer.submitted) == 1


def test_a_session_with_a_printer_that_hangs_forever_issues_once(store: Store) -> None:
    printer = HungPrinter()
    desk = CertificateDesk(issuer=CountingIssuer(), issuance=store.issuance, printer=printer)
    now = [0.0]
    runner = SessionRunner(card=_NoCard(), face=_NoFace(), query=_Query(), certificates=desk,
                           audit=store.audit, clock=lambda: now[0],
                           timeouts=flow.Timeouts(waiting_s=5.0))
    try:
        runner.dispatch(flow.ChooseService(make_service()))
        runner.dispatch(flow.CardAccepted(runner.state.token, PERSON))
        runner.wait_for(lambda s: s.screen is flow.Screen.RESULT)
        runner.dispatch(flow.RequestPrint())
        assert printer.entered.wait(10)
        now[0] = 6.0
        runner.tick()  # the waiting net gives up on the screen; the hand-off still hangs
        state = runner.state
        assert state.screen is flow.Screen.ERROR and state.message is not None
        assert not state.message.can_retry
        for _ in range(3):  # a citizen pressing everything there is
            runner.dispatch(flow.Retry())
            runner.dispatch(flow.RequestPrint())
        assert counts(store) == {"certificates": 1, "jobs": 1, "issue_lines": 1}
        printer.release.set()  # the printer answers at last
        done = runner.wait_for(lambda s: s.screen is flow.Screen.DONE)
        assert done.verification_code == "CODE-1"
        assert counts(store) == {"certificates": 1, "jobs": 1, "issue_lines": 1}
        assert len(printer.submitted) == 1
    finally:
        printer.release.set()
        runner.shutdown()


# ---- deadlines: a hung device is a fault, never a hung session -------------------------------


def test_a_hand_off_past_its_deadline_is_a_fault_and_the_job_is_in_doubt(store: Store) -> None:
    hung = HungPrinter()
    printer = DeadlinePrinter(hung, call_timeout_s=0.2)
    issuer = CountingIssuer()
    desk = CertificateDesk(issuer=issuer, issuance=store.issuance, printer=printer)
    try:
        with pytest.raises(PrintFailure) as info:
            desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
        # It may still reach the spooler: no retry, the citizen looks in the tray.
        message = info.value.message
        assert message.zh.startswith(MAY_HAVE_PRINTED.zh) and not message.can_retry
        assert hung.publisher.status.state is DeviceState.HARDWARE_ERROR
        (kept,) = store.jobs.unprinted()
        assert kept.reason.startswith("in-doubt")
        with pytest.raises(PrintFailure):
            desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
        assert issuer.calls == 1 and counts(store) == {"certificates": 1, "jobs": 1,
                                                       "issue_lines": 1}
    finally:
        hung.release.set()
    # The fault clears by itself once the printer answers again.
    assert settles(lambda: hung.publisher.status.state is DeviceState.ONLINE)
    # The queued second hand-off never runs late: only the first, released, reached the printer.
    assert len(hung.submitted) <= 1


def settles(condition: Callable[[], bool]) -> bool:
    """Wait for a background thread to make `condition` true (a safety net, not a timing)."""
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.fixture
def silent_print_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a hung cupsd)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def test_pycups_against_a_silent_server_returns_within_the_deadline(
    silent_print_server: str,
) -> None:
    printer = DeadlinePrinter(CupsPrinter("kiosk", server=silent_print_server),
                              call_timeout_s=0.5)
    with pytest.raises(PrinterHung):
        printer.submit(b"%PDF-1.7 certificate", "title")
    assert printer.status_publisher.status.state is DeviceState.HARDWARE_ERROR
    with pytest.raises(PrinterHung):  # still hung: refused in time again, not queued forever
        printer.cancel(PrintJob("1", "title", "kiosk"))


class StalledDummy(Dummy):
    """An ESC/POS printer that stops reading in the middle of a slip."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def _raw(self, msg: bytes) -> None:
        self.release.wait()
        super()._raw(msg)


def test_a_receipt_printer_that_stops_reading_is_a_fault_not_a_hang() -> None:
    release = threading.Event()
    receipt = ReceiptPrinter(StalledDummy(release), call_timeout_s=0.2)
    slip = ReceiptSlip("不动产登记信息查询", datetime(2026, 11, 30), "ABCD-EFGH-JKLM-NPQR")
    try:
        with pytest.raises(PrinterHung):
            receipt.print_slip(slip)
        assert receipt.status_publisher.status.state is DeviceState.HARDWARE_ERROR
    finally:
        release.set()
    assert settles(lambda: receipt.status_publisher.status.state is DeviceState.ONLINE)

"""The certificate desk when the printer fails at 3 a.m.: the citizen is told plainly, the job
is kept (encrypted), a retry reprints the same certificate, and the attendant can reprint it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.printer.base import (
    JobOutcome,
    JobState,
    PaperJam,
    PaperOut,
    PrinterOffline,
    PrintJob,
)
from devices.printer.pdf_dir import PdfDirectoryPrinter
from kiosk.certificates import IN_DOUBT, CertificateDesk
from kiosk.session import PrintFailure
from kiosk.store import Store
from printing.registry import RegistryEntry
from services_catalog.model import AuthenticatedPerson, QueryResult

from .test_flow import make_service

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


@dataclass
class Issued:
    pdf: bytes
    verification_code: str
    registry_entry: RegistryEntry


def registry_entry(code: str, service_id: str = "real_estate.registration_info") -> RegistryEntry:
    return RegistryEntry(
        verification_code=code, content_sha256="a" * 64, service_id=service_id,
        service_name_zh="不动产登记信息查询", holder_masked_name="张*", holder_id_hash="b" * 64,
        issued_at=datetime.now(UTC), terminal_id="T-1", seal_id="real_estate_bureau",
        demo=True, pdf_sha256="c" * 64,
    )


@dataclass
class CountingIssuer:
    calls: int = 0

    def __call__(self, service, person, result) -> Issued:
        self.calls += 1
        code = f"CODE-{self.calls}"
        return Issued(b"%PDF-1.7 sealed certificate " + bytes([self.calls]), code,
                      registry_entry(code, service.id))


@dataclass
class FlakyPrinter:
    """The real PDF-directory sink behind a switch that makes it refuse like a jammed printer."""

    sink: PdfDirectoryPrinter
    fault: type[Exception] | None = None
    fail_in_wait: bool = False
    submitted: list[bytes] = field(default_factory=list)

    @property
    def status_publisher(self):
        return self.sink.status_publisher

    def status(self):
        return self.sink.status()

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        if self.fault is not None and not self.fail_in_wait:
            raise self.fault()
        self.submitted.append(pdf)
        return self.sink.submit(pdf, title)

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        if self.fault is not None and self.fail_in_wait:
            return JobOutcome(job, JobState.FAILED, self.fault(), "media-jam")
        return self.sink.wait(job, timeout_s)


@pytest.fixture
def setup(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    printer = FlakyPrinter(PdfDirectoryPrinter(tmp_path / "printed"))
    issuer = CountingIssuer()
    desk = CertificateDesk(issuer=issuer, issuance=store.issuance, printer=printer)
    yield desk, printer, issuer, store, tmp_path / "printed"
    store.close()


def test_paper_out_keeps_the_job_and_a_retry_prints_the_same_certificate(setup) -> None:
    desk, printer, issuer, store, printed = setup
    service, result = make_service(), QueryResult("real_estate.registration_info")
    printer.fault = PaperOut
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(service, PERSON, result, "req-1")
    assert "缺纸" in info.value.message.zh and info.value.message.offer_attendant
    kept = store.jobs.unprinted()
    assert [j.verification_code for j in kept] == ["CODE-1"]
    printer.fault = None
    assert desk.issue_and_print(service, PERSON, result, "req-1") == "CODE-1"
    assert issuer.calls == 1  # not a second certificate with a second code
    assert store.jobs.unprinted() == []
    assert len(list(printed.glob("*.pdf"))) == 1


def test_a_jam_during_the_job_is_reported_and_the_attendant_reprints_later(setup) -> None:
    desk, printer, issuer, store, printed = setup
    printer.fault, printer.fail_in_wait = PaperJam, True
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    assert "卡纸" in info.value.message.zh
    desk.forget_session()  # the citizen left; the next session must not inherit the job
    printer.fault = None
    outcome = desk.reprint_last_unprinted()
    assert outcome is not None and outcome.printed and outcome.verification_code == "CODE-1"
    assert store.jobs.unprinted() == []
    assert desk.reprint_last_unprinted() is None
    actions = [(e.action, e.actor) for e in store.audit.entries()]
    assert ("reprint", "attendant") in actions


def test_a_new_session_gets_a_new_certificate_even_after_a_failure(setup) -> None:
    desk, printer, issuer, _store, _printed = setup
    printer.fault = PaperOut
    with pytest.raises(PrintFailure):
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    desk.forget_session()
    printer.fault = None
    assert desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-2") == "CODE-2"


@dataclass
class HangingPrinter:
    """A printer whose jobs stay pending past any timeout, with a cancel that can be made to
    succeed, be refused, or not reach the printer at all."""

    cancel_mode: str = "ok"  # "ok" | "refused" | "unreachable"
    hang: bool = True
    states: dict[str, JobState] = field(default_factory=dict)
    submitted: list[PrintJob] = field(default_factory=list)

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        job = PrintJob(
            job_id=str(len(self.submitted) + 1), title=title, printer="fake", document=pdf
        )
        self.submitted.append(job)
        self.states[job.job_id] = JobState.PENDING if self.hang else JobState.COMPLETED
        return job

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        return JobOutcome(job, self.states[job.job_id])

    def cancel(self, job: PrintJob) -> bool:
        if self.cancel_mode == "unreachable":
            raise PrinterOffline("print server unreachable")
        if self.cancel_mode == "refused" or self.states[job.job_id] is not JobState.PENDING:
            return False
        self.states[job.job_id] = JobState.CANCELLED
        return True

    def printed(self) -> list[str]:
        return [j.job_id for j in self.submitted if self.states[j.job_id] is JobState.COMPLETED]


def hanging_desk(tmp_path: Path, printer: HangingPrinter, store: Store | None = None):
    store = store or Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    desk = CertificateDesk(
        issuer=CountingIssuer(),
        issuance=store.issuance,
        printer=printer,
        print_timeout_s=0.01,
    )
    return desk, store


def test_a_timed_out_job_is_cancelled_before_a_retry_prints_it_again(tmp_path: Path) -> None:
    printer = HangingPrinter(cancel_mode="ok")
    desk, store = hanging_desk(tmp_path, printer)
    service, result = make_service(), QueryResult("x")
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(service, PERSON, result, "req-1")
    assert info.value.message.can_retry  # safe: the first copy can no longer print
    assert printer.states["1"] is JobState.CANCELLED
    assert "cancelled" in store.jobs.unprinted()[0].reason
    printer.hang = False
    assert desk.issue_and_print(service, PERSON, result, "req-1") == "CODE-1"
    assert printer.printed() == ["2"] and len(printer.submitted) == 2
    store.close()


@pytest.mark.parametrize("mode", ["refused", "unreachable"])
def test_an_unconfirmed_cancel_is_not_retryable_and_is_marked_in_doubt(
    tmp_path: Path, mode: str
) -> None:
    printer = HangingPrinter(cancel_mode=mode)
    desk, store = hanging_desk(tmp_path, printer)
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    message = info.value.message
    assert not message.can_retry and message.offer_attendant
    assert "出纸口" in message.zh and "output tray" in message.en
    (kept,) = store.jobs.unprinted()
    assert kept.reason.startswith(IN_DOUBT)
    assert printer.states["1"] is JobState.PENDING  # it may still come out
    store.close()


def test_reprint_of_a_job_that_printed_late_does_not_submit_it_again(tmp_path: Path) -> None:
    printer = HangingPrinter(cancel_mode="unreachable")
    desk, store = hanging_desk(tmp_path, printer)
    with pytest.raises(PrintFailure):
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    desk.forget_session()
    printer.states["1"] = JobState.COMPLETED  # the first copy came out after all
    outcome = desk.reprint_last_unprinted()
    assert outcome is not None and outcome.printed and not outcome.in_doubt
    assert len(printer.submitted) == 1
    assert store.jobs.unprinted() == []
    store.close()


def test_reprint_of_a_job_in_doubt_cancels_it_first_when_the_printer_answers_again(
    tmp_path: Path,
) -> None:
    printer = HangingPrinter(cancel_mode="unreachable")
    desk, store = hanging_desk(tmp_path, printer)
    with pytest.raises(PrintFailure):
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    printer.cancel_mode, printer.hang = "ok", False
    outcome = desk.reprint_last_unprinted()
    assert outcome is not None and outcome.printed
    assert printer.states["1"] is JobState.CANCELLED and printer.printed() == ["2"]
    store.close()


def test_reprint_held_when_nobody_can_tell_until_the_attendant_confirms(tmp_path: Path) -> None:
    printer = HangingPrinter(cancel_mode="unreachable")
    desk, store = hanging_desk(tmp_path, printer)
    with pytest.raises(PrintFailure):
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    # The terminal restarted: a new desk has no handle on the first copy.
    printer.cancel_mode, printer.hang = "ok", False
    desk, _ = hanging_desk(tmp_path, printer, store)
    held = desk.reprint_last_unprinted()
    assert held is not None and not held.printed and held.in_doubt
    assert held.message is not None and "出纸口" in held.message.zh
    assert len(printer.submitted) == 1  # nothing sent blindly
    done = desk.reprint_last_unprinted(confirm_in_doubt=True)
    assert done is not None and done.printed and printer.printed() == ["2"]
    outcomes = [e.outcome for e in store.audit.entries() if e.action == "reprint"]
    assert sorted(outcomes) == ["held_in_doubt", "ok"]
    store.close()


def test_a_print_finishing_after_the_wipe_leaves_no_retry_for_the_next_citizen(
    setup,
) -> None:
    desk, printer, issuer, _store, _printed = setup
    entered, release = threading.Event(), threading.Event()
    real_wait = printer.wait

    def slow_failing_wait(job: PrintJob, timeout_s: float) -> JobOutcome:
        entered.set()
        release.wait(10)
        return JobOutcome(job, JobState.FAILED, PaperJam(), "media-jam")

    printer.wait = slow_failing_wait  # type: ignore[method-assign]
    service, result = make_service(), QueryResult("x")
    failures: list[BaseException] = []

    def citizen() -> None:
        try:
            desk.issue_and_print(service, PERSON, result, "req-1")
        except PrintFailure as exc:
            failures.append(exc)

    worker = threading.Thread(target=citizen)
    worker.start()
    assert entered.wait(10)
    desk.forget_session()  # idle timeout: the wipe runs while the job is still printing
    release.set()
    worker.join(10)
    assert len(failures) == 1
    printer.wait = real_wait  # type: ignore[method-assign]
    # The next citizen's request (a new key) gets its own certificate, not the previous job.
    assert desk.issue_and_print(service, PERSON, result, "req-2") == "CODE-2"
    assert issuer.calls == 2

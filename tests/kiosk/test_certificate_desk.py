"""The certificate desk when the printer fails at 3 a.m.: the citizen is told plainly, the job
is kept (encrypted), a retry reprints the same certificate, and the attendant can reprint it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devices.printer.base import JobOutcome, JobState, PaperJam, PaperOut, PrintJob
from devices.printer.pdf_dir import PdfDirectoryPrinter
from kiosk.certificates import CertificateDesk
from kiosk.session import PrintFailure
from kiosk.store import Store
from services_catalog.model import AuthenticatedPerson, QueryResult

from .test_flow import make_service

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


@dataclass
class Issued:
    pdf: bytes
    verification_code: str


@dataclass
class CountingIssuer:
    calls: int = 0

    def __call__(self, service, person, result) -> Issued:
        self.calls += 1
        return Issued(b"%PDF-1.7 sealed certificate " + bytes([self.calls]), f"CODE-{self.calls}")


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
    desk = CertificateDesk(issuer=issuer, jobs=store.jobs, printer=printer, audit=store.audit)
    yield desk, printer, issuer, store, tmp_path / "printed"
    store.close()


def test_paper_out_keeps_the_job_and_a_retry_prints_the_same_certificate(setup) -> None:
    desk, printer, issuer, store, printed = setup
    service, result = make_service(), QueryResult("real_estate.registration_info")
    printer.fault = PaperOut
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(service, PERSON, result)
    assert "缺纸" in info.value.message.zh and info.value.message.offer_attendant
    kept = store.jobs.unprinted()
    assert [j.verification_code for j in kept] == ["CODE-1"]
    printer.fault = None
    assert desk.issue_and_print(service, PERSON, result) == "CODE-1"
    assert issuer.calls == 1  # not a second certificate with a second code
    assert store.jobs.unprinted() == []
    assert len(list(printed.glob("*.pdf"))) == 1


def test_a_jam_during_the_job_is_reported_and_the_attendant_reprints_later(setup) -> None:
    desk, printer, issuer, store, printed = setup
    printer.fault, printer.fail_in_wait = PaperJam, True
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"))
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
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"))
    desk.forget_session()
    printer.fault = None
    assert desk.issue_and_print(make_service(), PERSON, QueryResult("x")) == "CODE-2"

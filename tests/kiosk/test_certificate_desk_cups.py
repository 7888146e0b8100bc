"""The certificate desk on a real spooler: a job that outlives the print timeout is cancelled
at cupsd before the citizen is offered a retry, so one certificate never prints twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.printer.base import JobState, PrintJob
from devices.printer.cups import CupsPrinter
from kiosk.certificates import CertificateDesk
from kiosk.session import PrintFailure
from kiosk.store import Store
from services_catalog.model import AuthenticatedPerson, QueryResult
from tests.printer.conftest import CupsQueue, cups_queue, make_pdf, private_cups  # noqa: F401

from .test_certificate_desk import Issued, registry_entry
from .test_flow import make_service

HOLD = {"job-hold-until": "indefinite"}  # cupsd keeps the job pending: a printer that hangs



class RecordingCups(CupsPrinter):
    """The real CupsPrinter, remembering its jobs so the test can ask cupsd about them."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.jobs: list[PrintJob] = []

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        job = super().submit(pdf, title)
        self.jobs.append(job)
        return job


def test_a_held_job_is_cancelled_at_cupsd_before_a_retry_is_offered(
    cups_queue: CupsQueue,  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    held = RecordingCups(cups_queue.queue, server=cups_queue.server, options=HOLD)
    desk = CertificateDesk(
        issuer=lambda s, p, r: Issued(make_pdf("CERT"), "CODE-1", registry_entry("CODE-1")),
        issuance=store.issuance,
        printer=held,
        print_timeout_s=0.3,
    )
    service, result = make_service(), QueryResult("x")
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(service, AuthenticatedPerson("410402198805201238", "张伟"), result,
                             "req-1")
    assert info.value.message.can_retry
    (first,) = held.jobs
    assert held.job_state(first)[0] is JobState.CANCELLED  # it can never come out later
    store.close()

"""The certificate desk: issue a sealed certificate, record it, print it, and keep it until it
has printed, so a jam at 3 a.m. costs the citizen nothing.

A retry within the session reprints the same retained job (same verification code) instead
of issuing a second certificate; an attendant can reprint any unprinted job later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devices.printer.base import DocumentPrinter, PrinterError
from kiosk.flow import Message
from kiosk.session import AuditPort, PrintFailure
from kiosk.store.jobs import RetainedJobs
from services_catalog.model import AuthenticatedPerson, QueryResult, Service

log = logging.getLogger(__name__)

ISSUE_FAILED = Message(
    "证明暂时无法生成，请稍后再试或联系工作人员。",
    "The certificate could not be made just now. Please try again later or ask staff.",
    can_retry=True,
    offer_attendant=True,
)
STILL_PRINTING = Message(
    "打印时间过长，可能出现了故障。您的证明已保存，请联系工作人员协助打印。",
    "Printing is taking too long. Your certificate is kept: please ask staff to print it.",
    can_retry=True,
    offer_attendant=True,
)


class Issued(Protocol):
    """What the issuer returns (printing.issue.IssuedCertificate has this shape)."""

    pdf: bytes
    verification_code: str


Issuer = Callable[[Service, AuthenticatedPerson, QueryResult], Issued]


class ReceiptPort(Protocol):
    def print_slip(self, service_name: str, verification_code: str) -> None: ...


@dataclass(frozen=True)
class PrintOutcome:
    job_id: int
    verification_code: str
    printed: bool
    message: Message | None = None


def _job_title(service: Service, code: str) -> str:
    # Visible in the spooler: the service and the code, never the holder.
    return f"{service.name_zh} {code}"


class CertificateDesk:
    def __init__(
        self,
        *,
        issuer: Issuer,
        jobs: RetainedJobs,
        printer: DocumentPrinter,
        audit: AuditPort,
        print_timeout_s: float = 90.0,
        receipt: ReceiptPort | None = None,
    ) -> None:
        self._issuer = issuer  # renders, seals, signs and records in the registry
        self._jobs = jobs
        self._printer = printer
        self._audit = audit
        self._timeout = print_timeout_s
        self._receipt = receipt
        self._lock = threading.Lock()
        # The unprinted job of the current session's result, for an in-session retry.
        self._retry: tuple[QueryResult, int, str] | None = None

    # CertificatePort
    def issue_and_print(
        self, service: Service, person: AuthenticatedPerson, result: QueryResult
    ) -> str:
        with self._lock:
            retry = self._retry
        if retry is not None and retry[0] is result:
            job_id, code = retry[1], retry[2]
        else:
            try:
                issued = self._issuer(service, person, result)
            except Exception:
                log.exception("issuing a certificate for %s failed", service.id)
                raise PrintFailure(ISSUE_FAILED) from None
            code = issued.verification_code
            job_id = self._jobs.add(code, _job_title(service, code), issued.pdf)
        outcome = self.print_job(job_id, service.name_zh)
        if not outcome.printed:
            with self._lock:
                self._retry = (result, job_id, code)
            assert outcome.message is not None
            raise PrintFailure(outcome.message)
        with self._lock:
            self._retry = None
        return code

    def print_job(self, job_id: int, service_name: str = "") -> PrintOutcome:
        """Send a retained job to the printer and follow it to the end."""
        view = self._jobs.get(job_id)
        if view is None:
            raise KeyError(job_id)
        document = self._jobs.document(job_id)
        try:
            job = self._printer.submit(document, view.title)
            result = self._printer.wait(job, self._timeout)
        except PrinterError as exc:
            self._jobs.mark_failed(job_id, type(exc).__name__)
            return PrintOutcome(job_id, view.verification_code, False, _printer_message(exc))
        if result.completed:
            self._jobs.mark_printed(job_id)
            self._slip(service_name or view.title, view.verification_code)
            return PrintOutcome(job_id, view.verification_code, True)
        if result.pending:
            self._jobs.mark_failed(job_id, "timeout")
            return PrintOutcome(job_id, view.verification_code, False, STILL_PRINTING)
        error = result.error
        self._jobs.mark_failed(job_id, result.detail or type(error).__name__)
        message = _printer_message(error) if error is not None else STILL_PRINTING
        return PrintOutcome(job_id, view.verification_code, False, message)

    def forget_session(self) -> None:
        """Called on every wipe: the next citizen never inherits a retry."""
        with self._lock:
            self._retry = None

    # Attendant
    def reprint_last_unprinted(self) -> PrintOutcome | None:
        pending = self._jobs.unprinted()
        if not pending:
            return None
        outcome = self.print_job(pending[0].id)
        self._audit.record("reprint", "ok" if outcome.printed else "failed", None,
                           pending[0].verification_code, actor="attendant")
        return outcome

    def _slip(self, service_name: str, code: str) -> None:
        if self._receipt is None:
            return
        try:
            self._receipt.print_slip(service_name, code)
        except Exception:  # a slip is a courtesy: its failure never fails the certificate
            log.warning("receipt printer failed", exc_info=True)


def _printer_message(exc: PrinterError | None) -> Message:
    if exc is None:
        return STILL_PRINTING
    return Message(exc.message_zh, exc.message_en, can_retry=True, offer_attendant=True)

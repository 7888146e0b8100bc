"""The certificate desk: issue a sealed certificate, record it, print it, and keep it until it
has printed, so a jam at 3 a.m. costs the citizen nothing.

Every print request carries a key (the session's request): one request gives at most one
certificate and one job. A retry reprints that request's retained job (same verification code)
instead of issuing a second certificate, and a request still in progress (a printer hand-off
that hangs) refuses a second run rather than issuing again.

When a print fails, the citizen leaves with the code (on screen, and on a claim slip where the
receipt printer works); the job stays kept for the retention window, so the card holder can
collect it later with the same card and a face check (`collect`), and an attendant can
reprint any kept job (`waiting`, `reprint`).

The certificate is registered together with its kept job and its audit line in one database
transaction (kiosk.store.issuance); each outcome of the job is one transaction with its audit
line. When the store cannot write, nothing is printed and the citizen is told the terminal
cannot complete the request.

A job that does not finish in time is cancelled at the printer before anyone may print it
again. When that cancel cannot be confirmed (the spooler is unreachable, or says nothing),
the job is "in doubt": it may still come out later, so the citizen is not offered a retry
and the retained job's reason is marked ``in-doubt``. A reprint of a job in doubt first asks
the printer again about the first attempt (it printed after all: mark it printed; it ended
or can now be cancelled: print again); when that still gives no answer the reprint is held
with a message asking the attendant to look in the output tray, and only a reprint with
``confirm_in_doubt=True`` (the attendant checked) submits it again.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devices.printer.base import (
    DocumentPrinter,
    JobState,
    PrinterError,
    PrinterHung,
    PrintJob,
)
from kiosk.certificate_words import (
    ALREADY_PRINTING,
    CHECK_TRAY_FIRST,
    ISSUE_FAILED,
    MAY_HAVE_PRINTED,
    STILL_IN_PROGRESS,
    STILL_PRINTING,
    joined,
    kept_note,
    nothing_kept,
    printer_message,
)
from kiosk.flow import Message
from kiosk.session import STORAGE_FAILED, NothingToCollect, PrintFailure
from kiosk.store.issuance import Issuance
from kiosk.store.jobs import FAILED, PENDING, PRINTED, WaitingJob
from printing.registry import RegistryEntry
from services_catalog.model import AuthenticatedPerson, QueryResult, Service

log = logging.getLogger(__name__)

# The retained job's reason starts with this when a submitted copy may still print.
IN_DOUBT = "in-doubt"
_MAX_IN_DOUBT_HANDLES = 32  # in-doubt jobs are rare; the bound keeps memory flat regardless

class Issued(Protocol):
    """What the issuer returns (printing.issue.IssuedCertificate has this shape)."""

    pdf: bytes
    verification_code: str
    registry_entry: RegistryEntry


Issuer = Callable[[Service, AuthenticatedPerson, QueryResult], Issued]


class ReceiptPort(Protocol):
    def print_slip(self, service_name: str, verification_code: str) -> None: ...

    def print_claim_slip(self, service_name: str, verification_code: str, days: int) -> None:
        """The slip for a certificate that did not print: its code and how to collect it."""
        ...


@dataclass(frozen=True)
class _Who:
    """Whom a job's audit lines name."""

    action: str
    actor: str
    person: AuthenticatedPerson | None = None
    detail: str = ""  # the service id of a citizen's print (it counts as a use); else the code


_ATTENDANT_REPRINT = _Who("reprint", "attendant")


@dataclass(frozen=True)
class PrintOutcome:
    job_id: int
    verification_code: str
    printed: bool
    message: Message | None = None
    # True when a copy sent to the printer (now or earlier) may still come out.
    in_doubt: bool = False


def _job_title(service: Service, code: str) -> str:
    # Visible in the spooler: the service and the code, never the holder.
    return f"{service.name_zh} {code}"


class CertificateDesk:
    def __init__(
        self,
        *,
        issuer: Issuer,
        issuance: Issuance,
        printer: DocumentPrinter,
        print_timeout_s: float = 90.0,
        receipt: ReceiptPort | None = None,
    ) -> None:
        self._issuer = issuer  # renders, seals and signs; the records are written here
        self._issuance = issuance
        self._jobs = issuance.jobs
        self._printer = printer
        self._timeout = print_timeout_s
        self._receipt = receipt
        self._lock = threading.Lock()
        # Requests whose issue-and-print is running now: a second run of one is refused.
        self._in_flight: set[str] = set()
        # Printer handles (without the document) of jobs in doubt, to ask about them again.
        self._in_doubt: dict[int, PrintJob] = {}
        # Kept jobs on their way to the printer now (a collect, a reprint): never two at once.
        self._printing: set[int] = set()

    # CertificatePort
    def issue_and_print(
        self, service: Service, person: AuthenticatedPerson, result: QueryResult,
        request_key: str,
    ) -> str:
        """Issue (once per `request_key`), keep, print; the verification code."""
        with self._lock:
            if request_key in self._in_flight:
                log.warning("a second run of a print request still in progress was refused")
                raise PrintFailure(STILL_IN_PROGRESS)
            self._in_flight.add(request_key)
        try:
            return self._issue_and_print(service, person, result, request_key)
        finally:
            with self._lock:
                self._in_flight.discard(request_key)

    def _issue_and_print(
        self, service: Service, person: AuthenticatedPerson, result: QueryResult,
        request_key: str,
    ) -> str:
        try:
            earlier = self._jobs.for_request(request_key)
        except Exception:
            log.exception("the store cannot be read")
            raise PrintFailure(STORAGE_FAILED) from None
        if earlier is not None and earlier.status == PRINTED:
            return earlier.verification_code  # it printed; its answer was lost on the way
        if earlier is not None:
            job_id, code = earlier.id, earlier.verification_code
        else:
            try:
                issued = self._issuer(service, person, result)
            except Exception:
                log.exception("issuing a certificate for %s failed", service.id)
                raise PrintFailure(ISSUE_FAILED) from None
            code = issued.verification_code
            try:
                job_id = self._issuance.record_issue(
                    issued.registry_entry, _job_title(service, code), issued.pdf, person,
                    request_key=request_key,
                )
            except Exception:
                # Nothing of it was written (one transaction): no certificate exists.
                log.exception("certificate for %s not recorded: nothing issued", service.id)
                raise PrintFailure(STORAGE_FAILED) from None
        who = _Who("print", "citizen", person, service.id)
        outcome = self.print_job(job_id, service.name_zh, who=who)
        if not outcome.printed:
            assert outcome.message is not None
            if outcome.message is STORAGE_FAILED:
                raise PrintFailure(outcome.message)
            slip = self._claim_slip(service.name_zh, code)
            raise PrintFailure(joined(outcome.message, kept_note(self.kept_days)), code, slip)
        return code

    @property
    def kept_days(self) -> int:
        return max(1, round(self._jobs.retention.total_seconds() / 86400))

    def collect(self, person: AuthenticatedPerson) -> tuple[str, ...]:
        """Print every kept job of this card holder (the session checked card and face).
        Stops at the first that does not print: it and the rest stay kept."""
        try:
            kept = self._jobs.for_holder(person.id_number)
        except Exception:
            log.exception("the store cannot be read")
            raise PrintFailure(STORAGE_FAILED) from None
        if not kept:
            raise NothingToCollect(nothing_kept(self.kept_days))
        printed: list[str] = []
        for job in kept:
            who = _Who("collect_print", "citizen", person, job.verification_code)
            outcome = self.print_job(job.id, who=who)
            if outcome.printed:
                printed.append(outcome.verification_code)
                continue
            assert outcome.message is not None
            message = outcome.message
            if printed:
                message = joined(Message(f"已打出 {len(printed)} 份证明。",
                                          f"{len(printed)} certificate(s) printed."), message)
            raise PrintFailure(message)
        return tuple(printed)

    def print_job(
        self, job_id: int, service_name: str = "", *, confirm_in_doubt: bool = False,
        who: _Who = _ATTENDANT_REPRINT,
    ) -> PrintOutcome:
        """Send a retained job to the printer and follow it to the end.

        A job in doubt is not submitted again unless the printer now says the earlier copy
        did not print, or `confirm_in_doubt` is given (someone looked in the tray). Every
        outcome is written with its audit line; a store that cannot write fails closed.
        """
        with self._lock:
            busy = job_id in self._printing
            self._printing.add(job_id)
        if busy:  # nothing is sent; the refusal is audited when the store can write
            code = ""
            try:
                view = self._jobs.get(job_id)
                code = view.verification_code if view is not None else ""
                self._note(who, "already_printing", code)
            except Exception:
                log.warning("print job %d: a second attempt refused (not audited)", job_id)
            return PrintOutcome(job_id, code, False, ALREADY_PRINTING)
        try:
            return self._print_job(job_id, service_name, confirm_in_doubt, who)
        except _StoreDown:
            return PrintOutcome(job_id, "", False, STORAGE_FAILED)
        finally:
            with self._lock:
                self._printing.discard(job_id)

    def _print_job(
        self, job_id: int, service_name: str, confirm_in_doubt: bool, who: _Who
    ) -> PrintOutcome:
        try:
            view = self._jobs.get(job_id)
        except Exception as exc:
            log.exception("print job %d: the store cannot be read", job_id)
            raise _StoreDown from exc
        if view is None:
            raise KeyError(job_id)
        code = view.verification_code
        name = service_name or view.title
        if view.status == FAILED and view.reason.startswith(IN_DOUBT) and not confirm_in_doubt:
            settled = self._settle_in_doubt(job_id)
            if settled is JobState.COMPLETED:
                self._printed(job_id, code, name, who)
                return PrintOutcome(job_id, code, True)
            if settled is JobState.PENDING:
                self._note(who, "held_in_doubt", code)  # nothing submitted: look first
                return PrintOutcome(job_id, code, False, CHECK_TRAY_FIRST, in_doubt=True)
        with self._lock:
            self._in_doubt.pop(job_id, None)
        try:
            document = self._jobs.document(job_id)
            self._jobs.mark_sending(job_id, f"{IN_DOUBT}: sent, the terminal stopped before "
                                            "its outcome")
        except Exception as exc:
            log.exception("print job %d: cannot be read back or marked as sent", job_id)
            raise _StoreDown from exc
        try:
            job = self._printer.submit(document, view.title)
        except PrinterHung:
            # The hand-off did not answer in time: the spooler may have the job anyway.
            log.warning("print job %d: the printer hung during the hand-off: in doubt", job_id)
            self._failed(job_id, f"{IN_DOUBT}: the printer hung during the hand-off", code,
                         who, "in_doubt")
            return PrintOutcome(job_id, code, False, MAY_HAVE_PRINTED, in_doubt=True)
        except PrinterError as exc:
            self._failed(job_id, type(exc).__name__, code, who)
            return PrintOutcome(job_id, code, False, printer_message(exc))
        try:
            result = self._printer.wait(job, self._timeout)
        except PrinterError as exc:  # e.g. PrinterHung: the job is with the spooler
            log.warning("print job %d could not be followed: %s", job_id, type(exc).__name__)
            return self._timed_out(job_id, code, job, name, who)
        if result.completed:
            self._printed(job_id, code, name, who)
            return PrintOutcome(job_id, code, True)
        if result.pending:
            return self._timed_out(job_id, code, job, name, who)
        error = result.error
        self._failed(job_id, result.detail or type(error).__name__, code, who)
        return PrintOutcome(job_id, code, False, printer_message(error))

    def _printed(self, job_id: int, code: str, name: str, who: _Who) -> None:
        self._settle(job_id, who, printed=True, outcome="ok", detail=who.detail or code)
        self._slip(name, code)

    def _failed(self, job_id: int, reason: str, code: str, who: _Who,
                outcome: str = "failed") -> None:
        self._settle(job_id, who, printed=False, reason=reason, outcome=outcome,
                     detail=who.detail or code)

    def _settle(self, job_id: int, who: _Who, **what: object) -> None:
        try:
            self._issuance.settle(job_id, action=who.action, person=who.person,
                                  actor=who.actor, **what)  # type: ignore[arg-type]
        except Exception as exc:
            log.exception("print job %d: its outcome could not be written", job_id)
            raise _StoreDown from exc

    def _note(self, who: _Who, outcome: str, code: str) -> None:
        try:
            self._issuance.audit.record(who.action, outcome, who.person, who.detail or code,
                                        actor=who.actor)
        except Exception as exc:
            log.exception("audit line %s/%s could not be written", who.action, outcome)
            raise _StoreDown from exc

    def _timed_out(
        self, job_id: int, code: str, job: PrintJob, name: str, who: _Who
    ) -> PrintOutcome:
        """Stop a job that did not finish in time, so that a retry cannot print it twice."""
        state = self._stop_at_printer(job)
        if state is JobState.COMPLETED:  # it finished while we were cancelling
            self._printed(job_id, code, name, who)
            return PrintOutcome(job_id, code, True)
        if state is JobState.CANCELLED:
            self._failed(job_id, "timeout; cancelled at the printer", code, who)
            return PrintOutcome(job_id, code, False, STILL_PRINTING)
        log.warning("print job %d timed out and its cancel is unconfirmed: in doubt", job_id)
        self._failed(job_id, f"{IN_DOUBT}: timeout, cancel not confirmed", code, who,
                     "in_doubt")
        with self._lock:
            self._in_doubt[job_id] = dataclasses.replace(job, document=b"")
            while len(self._in_doubt) > _MAX_IN_DOUBT_HANDLES:
                self._in_doubt.pop(next(iter(self._in_doubt)))
        return PrintOutcome(job_id, code, False, MAY_HAVE_PRINTED, in_doubt=True)

    def _stop_at_printer(self, job: PrintJob) -> JobState:
        """CANCELLED: it will not print; COMPLETED: it printed; PENDING: nobody can say."""
        try:
            if self._printer.cancel(job):
                return JobState.CANCELLED
            # Not cancelled because it had already ended: printed, or failed?
            after = self._printer.wait(job, 0.0)
        except PrinterError:
            log.warning("cannot reach the printer to cancel job %s", job.job_id, exc_info=True)
            return JobState.PENDING
        if after.completed:
            return JobState.COMPLETED
        if after.failed:
            return JobState.CANCELLED  # ended without printing: as good as cancelled
        return JobState.PENDING

    def _settle_in_doubt(self, job_id: int) -> JobState:
        """Ask the printer again about the earlier copy of a job in doubt."""
        with self._lock:
            handle = self._in_doubt.get(job_id)
        if handle is None:  # e.g. the terminal restarted: only a person can tell now
            return JobState.PENDING
        try:
            before = self._printer.wait(handle, 0.0)
        except PrinterError:
            return JobState.PENDING
        if before.completed:
            state = JobState.COMPLETED
        elif before.failed:
            state = JobState.CANCELLED
        else:
            state = self._stop_at_printer(handle)
        if state is not JobState.PENDING:
            with self._lock:
                self._in_doubt.pop(job_id, None)
        return state

    def forget_session(self) -> None:
        """Called on every wipe. Nothing to drop: a retry is found by the request key, which
        belongs to one session, so the next citizen never inherits a job."""

    # Attendant
    def waiting(self) -> list[WaitingJob]:
        """Every kept job, newest first (masked holder, service, time, state)."""
        return self._jobs.waiting()

    def reprint_last_unprinted(self, *, confirm_in_doubt: bool = False) -> PrintOutcome | None:
        """Reprint the newest kept job (None: nothing waits)."""
        pending = self._jobs.waiting()
        if not pending:
            return None
        return self.reprint(pending[0].id, confirm_in_doubt=confirm_in_doubt)

    def reprint(self, job_id: int, *, confirm_in_doubt: bool = False) -> PrintOutcome | None:
        """Reprint one kept job (None: it is no longer kept). A job in doubt comes back with
        `in_doubt` set and nothing printed, unless the printer settles it or
        `confirm_in_doubt` is given."""
        job = self._jobs.get(job_id)
        if job is None or job.status not in (PENDING, FAILED):
            return None
        try:
            return self.print_job(job.id, confirm_in_doubt=confirm_in_doubt)
        except KeyError:  # purged or printed meanwhile
            return None

    def _claim_slip(self, service_name: str, code: str) -> bool:
        """True when a claim slip came out (the receipt printer is a separate device)."""
        if self._receipt is None:
            return False
        try:
            self._receipt.print_claim_slip(service_name, code, self.kept_days)
        except Exception:
            log.warning("receipt printer failed: no claim slip", exc_info=True)
            return False
        return True

    def _slip(self, service_name: str, code: str) -> None:
        if self._receipt is None:
            return
        try:
            self._receipt.print_slip(service_name, code)
        except Exception:  # a slip is a courtesy: its failure never fails the certificate
            log.warning("receipt printer failed", exc_info=True)


class _StoreDown(Exception):
    """The store could not read a job or write its outcome (its cause is logged)."""

"""CUPS as the real spooler, through pycups (IPP to cupsd), on a configured queue and server.

Why pycups rather than lp/lpstat: lpstat cannot tell a completed job from a cancelled or aborted
one, and following each job to its real end is the point. pycups speaks IPP and returns the
job-state and printer-state-reasons themselves.

The PDF goes to cupsd as `application/pdf` from memory (no temporary file of ours) and CUPS's
filters turn it into what the printer speaks. Paper is a rendering: the signed PDF kept by the
caller is the record (filters such as CUPS-PDF run Ghostscript, which drops the signature).
Deployments should set `PreserveJobFiles No` in cupsd.conf so spooled certificates do not stay
on disk after printing.

When a job cannot finish because the printer is jammed, out of paper or offline, `wait` cancels
it at the spooler and reports the typed reason: a certificate must not come out hours later into
an empty tray at night. The caller keeps the `PrintJob` (it holds the document) to print again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import cups  # pycups

from devices.printer.base import (
    JobFailed,
    JobOutcome,
    JobState,
    PrinterCapabilities,
    PrinterOffline,
    PrintJob,
    check_document,
    clean_title,
    error_for_status,
)
from devices.printer.ipp_status import (
    QueueSnapshot,
    capabilities_from_attributes,
    job_state,
    status_from_snapshot,
)
from devices.printer.simulated import PrinterStatusSource
from devices.status import (
    CompletionCode,
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Paper,
    PrinterBlock,
    StatusPublisher,
)

log = logging.getLogger(__name__)

_PRINTER_ATTRS = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "printer-make-and-model",
    "sides-supported",
    "color-supported",
    "media-ready",
]
_JOB_ATTRS = ["job-state", "job-state-reasons", "job-printer-state-message"]
_IPP_NOT_FOUND = 0x0406
_CUPS_LOCK = threading.RLock()


def parse_server(server: str | None) -> tuple[str | None, int | None]:
    """'host', 'host:port', '[::1]:631' or '/run/cups/cups.sock' -> (host, port)."""
    if not server:
        return None, None
    if server.startswith("/"):
        return server, None
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    host, sep, port = server.rpartition(":")
    if sep and port.isdigit() and host:
        return host, int(port)
    return server, None


class CupsPrinter:
    """A `DocumentPrinter` on a CUPS queue. Call `start()` to poll status in the background."""

    def __init__(
        self,
        queue: str,
        *,
        server: str | None = None,
        status_source: PrinterStatusSource | None = None,
        poll_interval_s: float = 2.0,
        job_poll_interval_s: float = 0.2,
        options: dict[str, str] | None = None,
        document_format: str = "application/pdf",
    ) -> None:
        if not queue:
            raise ValueError("a CUPS queue name is required")
        self.queue = queue
        self.server = server
        self._host, self._port = parse_server(server)
        self._source = status_source
        self.poll_interval_s = poll_interval_s
        self.job_poll_interval_s = job_poll_interval_s
        self._options = dict(options or {})
        self._format = document_format
        self._caps: PrinterCapabilities | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._publisher = StatusPublisher(
            DeviceStatus(
                DeviceClass.PRINTER,
                DeviceState.STARTING,
                printer=PrinterBlock(Paper.UNKNOWN),
                info={"queue": queue},
            )
        )

    # -- connection ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Iterator[Any]:
        """A pycups connection to this printer's server, held under the process-wide lock.

        libcups resolves the queue of Create-Job through its process-global server setting,
        whatever host the connection was opened to (OpenPrinting/pycups#30), so the global is
        set for each session and sessions never overlap. A fresh connection per session also
        survives a cupsd restart; on loopback it costs about a millisecond.
        """
        with _CUPS_LOCK:
            cups.setServer(self._host or "")
            cups.setPort(self._port or 0)
            try:
                conn = cups.Connection()
            except RuntimeError as exc:
                raise PrinterOffline(f"cannot reach the print server: {exc}") from exc
            yield conn

    # -- status ----------------------------------------------------------------------------

    @property
    def status_publisher(self) -> StatusPublisher:
        return self._publisher

    def _query(self) -> tuple[DeviceStatus, dict[str, Any] | None]:
        extra = self._source.reasons() if self._source is not None else ()
        try:
            with self._session() as conn:
                attrs = conn.getPrinterAttributes(self.queue, requested_attributes=_PRINTER_ATTRS)
        except PrinterOffline as exc:
            return self._down(
                DeviceState.OFFLINE, "无法连接打印服务 / print server unreachable", str(exc)
            ), None
        except cups.IPPError as exc:
            status = exc.args[0] if exc.args else 0
            if status == _IPP_NOT_FOUND:
                return self._down(
                    DeviceState.NO_DEVICE, "打印队列不存在 / print queue not found", str(exc)
                ), None
            return self._down(
                DeviceState.HARDWARE_ERROR, "打印服务出错 / print server error", str(exc)
            ), None
        except cups.HTTPError as exc:
            return self._down(
                DeviceState.OFFLINE, "无法连接打印服务 / print server unreachable", str(exc)
            ), None
        snap = QueueSnapshot.from_attributes(self.queue, attrs).with_reasons(extra)
        return status_from_snapshot(snap, self._capabilities_from(attrs)), attrs

    def _down(self, state: DeviceState, detail: str, why: str) -> DeviceStatus:
        log.warning("printer queue %s: %s (%s)", self.queue, detail, why)
        return DeviceStatus(
            DeviceClass.PRINTER,
            state,
            detail=detail,
            printer=PrinterBlock(Paper.UNKNOWN),
            info={"queue": self.queue},
        )

    def _capabilities_from(self, attrs: dict[str, Any]) -> PrinterCapabilities:
        # A CUPS queue cannot say whether the device behind it reports paper; an attached
        # status source (a sensor, or the simulator) can.
        sensor = True if self._source is not None else None
        self._caps = capabilities_from_attributes(attrs, paper_sensor=sensor)
        return self._caps

    def status(self) -> DeviceStatus:
        status, _ = self._query()
        self._publisher.publish(status)
        return status

    def capabilities(self) -> PrinterCapabilities:
        if self._caps is None:
            self.status()
        return self._caps or PrinterCapabilities(paper_sensor=None)

    # -- jobs ------------------------------------------------------------------------------

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        check_document(pdf)
        data = bytes(pdf)
        title = clean_title(title)
        error = error_for_status(self.status())
        if error is not None:
            raise error
        try:
            with self._session() as conn:
                job_id = conn.createJob(self.queue, title, dict(self._options))
                conn.startDocument(self.queue, job_id, "document.pdf", self._format, 1)
                conn.writeRequestData(data, len(data))
                conn.finishDocument(self.queue)
        except cups.IPPError as exc:
            raise JobFailed(f"the spooler refused the job: {exc}") from exc
        except (cups.HTTPError, RuntimeError) as exc:
            raise PrinterOffline(f"lost the print server while sending: {exc}") from exc
        log.info("job %s submitted to %s (%d bytes)", job_id, self.queue, len(data))
        return PrintJob(job_id=str(job_id), title=title, printer=self.queue, document=data)

    def job_state(self, job: PrintJob) -> tuple[JobState, str]:
        """The job's state at the spooler now, and the spooler's words about it."""
        try:
            with self._session() as conn:
                attrs = conn.getJobAttributes(int(job.job_id), requested_attributes=_JOB_ATTRS)
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == _IPP_NOT_FOUND:
                return JobState.FAILED, "the spooler no longer knows this job"
            raise PrinterOffline(f"cannot ask the spooler about job {job.job_id}: {exc}") from exc
        except (cups.HTTPError, RuntimeError) as exc:
            raise PrinterOffline(f"cannot ask the spooler about job {job.job_id}: {exc}") from exc
        reasons = attrs.get("job-state-reasons", "")
        if not isinstance(reasons, str):
            reasons = " ".join(reasons)
        message = str(attrs.get("job-printer-state-message") or "")
        return job_state(attrs.get("job-state")), " ".join(p for p in (reasons, message) if p)

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            try:
                state, words = self.job_state(job)
            except PrinterOffline as exc:
                return JobOutcome(job, JobState.PENDING, exc, detail=str(exc))
            if state is JobState.COMPLETED:
                return JobOutcome(job, state, detail=words)
            if state is JobState.CANCELLED:
                err = JobFailed(
                    f"job cancelled at the spooler: {words}", code=CompletionCode.CANCELLED
                )
                return JobOutcome(job, state, err, detail=words)
            if state is JobState.FAILED:
                return JobOutcome(job, state, JobFailed(f"job aborted: {words}"), detail=words)
            fault = error_for_status(self.status())
            if fault is not None:
                self._cancel_id(job)
                log.warning(
                    "job %s on %s stopped by a printer fault: %s",
                    job.job_id,
                    self.queue,
                    type(fault).__name__,
                )
                return JobOutcome(job, JobState.FAILED, fault, detail=str(fault))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return JobOutcome(job, JobState.PENDING, detail=words)
            time.sleep(min(self.job_poll_interval_s, remaining))

    def _cancel_id(self, job: PrintJob) -> bool:
        """Ask cupsd to cancel; True only when it accepted the cancel."""
        try:
            with self._session() as conn:
                conn.cancelJob(int(job.job_id), purge_job=False)
        except (cups.IPPError, cups.HTTPError, PrinterOffline, RuntimeError) as exc:
            log.warning("could not cancel job %s on %s: %s", job.job_id, self.queue, exc)
            return False
        return True

    def cancel(self, job: PrintJob) -> bool:
        """True only when cupsd confirmed the cancel: a caller may then print again safely.

        False when the job had already ended, or when the cancel was not accepted (then
        `job_state` tells which); raises PrinterOffline when cupsd cannot be reached at all.
        """
        state, _ = self.job_state(job)
        if state is not JobState.PENDING:
            return False
        return self._cancel_id(job)

    def resume(self) -> None:
        """After staff fixed the printer: re-enable the queue and accept jobs again."""
        try:
            with self._session() as conn:
                conn.enablePrinter(self.queue)
                conn.acceptJobs(self.queue)
        except cups.IPPError as exc:
            raise JobFailed(f"cannot resume queue {self.queue}: {exc}") from exc
        self.status()

    # -- background polling ----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.status()
            except Exception:  # a poller that dies silently would freeze the status screen
                log.exception("status poll of %s failed", self.queue)
            self._stop.wait(self.poll_interval_s)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"cups-status-{self.queue}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def __enter__(self) -> CupsPrinter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

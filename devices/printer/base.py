"""What every document printer offers the session flow: submit a PDF, follow the job, ask status.

The flow never talks to CUPS or a directory directly: it holds a `DocumentPrinter` and asks it the
same questions whatever sits behind it. A job that fails keeps its document (in memory only), so the
citizen or an attendant can print it again when the printer is back.

Job titles are visible in the spooler and its logs: callers pass non-personal titles
("不动产登记信息查询结果"), never a name or an ID number. Document contents are never logged.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from devices.status import CompletionCode, DeviceError, DeviceStatus, Paper, StatusPublisher

PDF_MAGIC = b"%PDF-"
MAX_TITLE_CHARS = 80


class PrinterError(DeviceError):
    """Base of every printer error; catch this to handle them all."""

    message_zh = "打印机暂时无法使用，请联系工作人员。"
    message_en = "The printer is not available. Please ask staff for help."


class PaperOut(PrinterError):
    code = CompletionCode.HARDWARE_ERROR
    message_zh = "打印机缺纸，暂时无法打印。您的证明已保存，工作人员补纸后可重新打印。"
    message_en = (
        "The printer is out of paper. Your document is kept and can be printed again "
        "once staff have refilled it."
    )


class PaperJam(PrinterError):
    code = CompletionCode.HARDWARE_ERROR
    message_zh = "打印机卡纸，暂时无法打印。您的证明已保存，工作人员处理后可重新打印。"
    message_en = (
        "The printer has a paper jam. Your document is kept and can be printed again "
        "once staff have cleared it."
    )


class PrinterOffline(PrinterError):
    code = CompletionCode.HARDWARE_ERROR
    message_zh = "打印机未连接，暂时无法打印。您的证明已保存，稍后可重新打印。"
    message_en = (
        "The printer is not connected. Your document is kept and can be printed again later."
    )


class PrinterHung(PrinterOffline):
    """A call into the printer did not return within its deadline: a device fault, and a job
    handed over meanwhile may or may not be with the spooler."""

    code = CompletionCode.TIMEOUT
    message_zh = "打印机没有响应，暂时无法打印。请联系工作人员。"
    message_en = "The printer is not responding. Please ask staff for help."


class JobFailed(PrinterError):
    code = CompletionCode.HARDWARE_ERROR
    message_zh = "打印未能完成。您的证明已保存，可以重新打印或联系工作人员。"
    message_en = "Printing did not finish. Your document is kept: print it again or ask staff."


class InvalidDocument(JobFailed):
    """The bytes handed to `submit` are not a PDF: a programming error upstream, not the paper."""

    code = CompletionCode.USER_ERROR


class JobState(enum.Enum):
    PENDING = "pending"  # queued, held or printing
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PrintJob:
    """A job handed to a printer. `document` is kept for a reprint and never shown in repr."""

    job_id: str
    title: str
    printer: str  # queue name or sink directory: where the job went
    submitted_at: float = field(default_factory=time.time)
    document: bytes = field(default=b"", repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.document)


@dataclass(frozen=True)
class JobOutcome:
    """How a job stands after `wait`: completed, failed (with the typed reason), or pending."""

    job: PrintJob
    state: JobState
    error: PrinterError | None = None
    detail: str = ""  # for the attendant and the log: spooler words, never document contents

    @property
    def completed(self) -> bool:
        return self.state is JobState.COMPLETED

    @property
    def failed(self) -> bool:
        return self.state in (JobState.FAILED, JobState.CANCELLED)

    @property
    def pending(self) -> bool:
        return self.state is JobState.PENDING


@dataclass(frozen=True)
class PrinterCapabilities:
    """What the printer can tell or do. None means it cannot say (not "no")."""

    paper_sensor: bool | None = None  # can it report paper low/out/jam?
    job_tracking: bool = True  # can it say when a job has really finished?
    duplex: bool | None = None
    color: bool | None = None
    media_ready: tuple[str, ...] = ()  # e.g. ("iso_a4_210x297mm",)

    def to_dict(self) -> dict[str, object]:
        return {
            "paper_sensor": self.paper_sensor,
            "job_tracking": self.job_tracking,
            "duplex": self.duplex,
            "color": self.color,
            "media_ready": list(self.media_ready),
        }


@runtime_checkable
class DocumentPrinter(Protocol):
    """A printer for PDF documents (certificates). Implementations are thread-safe."""

    @property
    def status_publisher(self) -> StatusPublisher: ...

    def status(self) -> DeviceStatus:
        """Ask the device now (not the last poll) and publish the answer."""
        ...

    def capabilities(self) -> PrinterCapabilities: ...

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        """Hand a PDF to the printer. Raises PaperOut/PaperJam/PrinterOffline when not ready."""
        ...

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        """Follow a job until it ends or `timeout_s` passes (then the outcome is PENDING)."""
        ...

    def cancel(self, job: PrintJob) -> bool:
        """Cancel a job that has not finished; False when it had already ended."""
        ...

    def start(self) -> None:
        """Start background status polling (a no-op where nothing needs polling)."""
        ...

    def stop(self) -> None: ...


def check_document(pdf: bytes) -> None:
    """Refuse anything that is not a PDF before it reaches a spooler."""
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise InvalidDocument(f"expected PDF bytes, got {type(pdf).__name__}")
    if not bytes(pdf[:1024]).lstrip().startswith(PDF_MAGIC):
        raise InvalidDocument("the document is not a PDF (no %PDF- header)")


def clean_title(title: str) -> str:
    """A job title safe for a spooler: one line, printable, bounded."""
    flat = "".join(ch if ch.isprintable() else " " for ch in str(title))
    flat = " ".join(flat.split())[:MAX_TITLE_CHARS]
    return flat or "document"


def error_for_status(status: DeviceStatus) -> PrinterError | None:
    """The typed error a not-ready printer status stands for, or None when it can print."""
    if status.printer is not None:
        if status.printer.paper is Paper.JAMMED:
            return PaperJam(status.detail or "paper jam")
        if status.printer.paper is Paper.OUT:
            return PaperOut(status.detail or "paper out")
    if not status.state.usable:
        return PrinterOffline(status.detail or f"printer {status.state.value}")
    return None

"""The development sink: every job becomes a PDF file in a directory, completed at once.

Files appear atomically (written under a dot-name, then renamed), so a watcher never sees half a
document. The files are certificates with personal data: this sink is for development and demos
on demo records only, and writes them readable by the owner alone.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import threading
import time
from pathlib import Path

from devices.printer.base import (
    JobOutcome,
    JobState,
    PrinterCapabilities,
    PrinterOffline,
    PrintJob,
    check_document,
    clean_title,
)
from devices.status import (
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Media,
    Paper,
    PrinterBlock,
    StatusPublisher,
)

_UNSAFE = re.compile(r"[^\w.-]+")


class PdfDirectoryPrinter:
    """A `DocumentPrinter` writing `<directory>/<time>-<n>-<title>.pdf` for each job."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._publisher = StatusPublisher(self._make_status())

    @property
    def status_publisher(self) -> StatusPublisher:
        return self._publisher

    def _make_status(self) -> DeviceStatus:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            writable = os.access(self.directory, os.W_OK | os.X_OK)
        except OSError:
            writable = False
        info = {"sink": str(self.directory)}
        caps = self.capabilities().to_dict()
        if not writable:
            return DeviceStatus(
                DeviceClass.PRINTER,
                DeviceState.OFFLINE,
                detail="输出目录不可写 / output directory is not writable",
                printer=PrinterBlock(Paper.UNKNOWN, Media.NONE),
                capabilities=caps,
                info=info,
            )
        return DeviceStatus(
            DeviceClass.PRINTER,
            DeviceState.ONLINE,
            printer=PrinterBlock(Paper.FULL, Media.NONE),
            capabilities=caps,
            info=info,
        )

    def status(self) -> DeviceStatus:
        status = self._make_status()
        self._publisher.publish(status)
        return status

    def capabilities(self) -> PrinterCapabilities:
        # A directory never runs out of paper: it has no sensor to ask, and needs none.
        return PrinterCapabilities(
            paper_sensor=False, job_tracking=True, duplex=False, color=True, media_ready=()
        )

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        check_document(pdf)
        data = bytes(pdf)
        title = clean_title(title)
        with self._lock:
            n = next(self._counter)
        stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{n:04d}-{_UNSAFE.sub('_', title)}"
        target = self.directory / f"{stem}.pdf"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self._publisher.publish(self._make_status())
            raise PrinterOffline(f"cannot write to {self.directory}: {exc.strerror}") from exc
        return PrintJob(job_id=stem, title=title, printer=str(self.directory), document=data)

    def path_of(self, job: PrintJob) -> Path:
        """Where the sink put a job's file."""
        return self.directory / f"{job.job_id}.pdf"

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        if self.path_of(job).is_file():
            return JobOutcome(job, JobState.COMPLETED)
        return JobOutcome(job, JobState.FAILED, PrinterOffline("output file is missing"))

    def cancel(self, job: PrintJob) -> bool:
        return False  # jobs complete on submit: nothing is ever left to cancel

    def start(self) -> None:
        self.status()

    def stop(self) -> None:
        return None

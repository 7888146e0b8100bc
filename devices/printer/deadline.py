"""Deadlines for blocking device calls, and a printer whose every call has one.

A printer hand-off can hang: libcups holds a process-wide lock and waits for cupsd without a
timeout of its own, and a USB receipt printer can stop reading. The session must not hang with
it. `DeadlineRunner` runs each call on a worker thread of its own and waits at most the
deadline; a call that is still queued when its deadline has passed never runs (a late submit
must not print a certificate into an empty hall). A call that overruns is left to finish on its
daemon thread; the caller gets `DeadlinePassed` at once.

`DeadlinePrinter` wraps any `DocumentPrinter`: a call that overruns raises `PrinterHung` and
publishes the printer as HARDWARE_ERROR, so the terminal shows the fault and stops offering
printing until the device answers again (its own status poll then publishes the real state).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from devices.printer.base import (
    DocumentPrinter,
    JobOutcome,
    PrinterCapabilities,
    PrinterHung,
    PrintJob,
)
from devices.status import DeviceState, DeviceStatus, StatusPublisher

log = logging.getLogger(__name__)
T = TypeVar("T")
RECOVERY_WAIT_S = 86400.0


class DeadlinePassed(Exception):
    """The call did not return within its deadline (it may still be running)."""


class DeadlineRunner:
    """One daemon worker thread for a device's calls, each waited on for at most a deadline."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any], float]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                # Daemon: a call hung forever must not keep the process from exiting.
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            future, fn, deadline = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            if time.monotonic() > deadline:
                future.set_exception(DeadlinePassed("its deadline passed while it queued"))
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the caller, who decides
                future.set_exception(exc)

    def post(self, fn: Callable[[], T], deadline_s: float) -> Future[T]:
        """Queue a call without waiting for it (it runs once the calls before it are done)."""
        future: Future[T] = Future()
        self._ensure_worker()
        self._queue.put((future, fn, time.monotonic() + deadline_s))
        return future

    def call(self, fn: Callable[[], T], timeout_s: float) -> T:
        future = self.post(fn, timeout_s)
        try:
            return future.result(timeout=max(0.0, timeout_s))
        except FutureTimeout:
            future.cancel()  # still queued: it will never run
            raise DeadlinePassed(f"{self._name}: no answer within {timeout_s:.1f} s") from None


class DeadlinePrinter:
    """A `DocumentPrinter` whose every call returns or fails within a deadline."""

    def __init__(self, inner: DocumentPrinter, *, call_timeout_s: float = 20.0) -> None:
        self.inner = inner
        self.call_timeout_s = call_timeout_s
        self._runner = DeadlineRunner(f"printer-calls-{type(inner).__name__}")
        self._recovery: Future[Any] | None = None

    def __getattr__(self, name: str) -> Any:  # queue, resume, ...: the printer's own
        return getattr(self.inner, name)

    @property
    def status_publisher(self) -> StatusPublisher:
        return self.inner.status_publisher

    def _hung(self, what: str) -> PrinterHung:
        detail = f"打印机没有响应 / printer not responding ({what})"
        log.warning("printer did not answer %s within %.1f s", what, self.call_timeout_s)
        current = self.inner.status_publisher.status
        self.inner.status_publisher.publish(
            dataclasses.replace(current, state=DeviceState.HARDWARE_ERROR, detail=detail)
        )
        if self._recovery is None or self._recovery.done():
            # Queued behind the hung call: the device's real state is published once it
            # answers again, so the fault clears by itself (a day's deadline: not forever).
            self._recovery = self._runner.post(self.inner.status, RECOVERY_WAIT_S)
        return PrinterHung(f"the printer did not answer {what} in time")

    def status(self) -> DeviceStatus:
        try:
            return self._runner.call(self.inner.status, self.call_timeout_s)
        except DeadlinePassed:
            self._hung("a status request")
            return self.inner.status_publisher.status

    def capabilities(self) -> PrinterCapabilities:
        try:
            return self._runner.call(self.inner.capabilities, self.call_timeout_s)
        except DeadlinePassed:
            self._hung("a capabilities request")
            return PrinterCapabilities()

    def submit(self, pdf: bytes, title: str) -> PrintJob:
        try:
            return self._runner.call(lambda: self.inner.submit(pdf, title), self.call_timeout_s)
        except DeadlinePassed:
            raise self._hung("the job hand-off") from None

    def wait(self, job: PrintJob, timeout_s: float) -> JobOutcome:
        try:
            return self._runner.call(lambda: self.inner.wait(job, timeout_s),
                                     timeout_s + self.call_timeout_s)
        except DeadlinePassed:
            raise self._hung("about the job") from None

    def cancel(self, job: PrintJob) -> bool:
        try:
            return self._runner.call(lambda: self.inner.cancel(job), self.call_timeout_s)
        except DeadlinePassed:
            raise self._hung("the cancel") from None

    def start(self) -> None:
        start = getattr(self.inner, "start", None)
        if start is not None:
            start()

    def stop(self) -> None:
        stop = getattr(self.inner, "stop", None)
        if stop is not None:
            stop()

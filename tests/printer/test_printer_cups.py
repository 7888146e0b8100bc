"""CupsPrinter against a real private cupsd with a CUPS-PDF queue; faults via the simulator."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from devices.printer.base import (
    DocumentPrinter,
    InvalidDocument,
    JobState,
    PaperJam,
    PaperOut,
    PrinterOffline,
)
from devices.printer.cups import CupsPrinter, parse_server
from devices.printer.simulated import SimulatedPrinterStatus
from devices.status import DeviceState, DeviceStatus, Paper
from tests.printer.conftest import CupsQueue, make_pdf

HOLD = {"job-hold-until": "indefinite"}  # keeps a job pending at cupsd until released


def new_files(out_dir: Path, before: set[Path]) -> list[Path]:
    return sorted(set(out_dir.rglob("*.pdf")) - before)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        return path.read_bytes().decode("latin-1")
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def printed(q: CupsQueue, printer: CupsPrinter, pdf: bytes) -> list[Path]:
    before = set(q.out_dir.rglob("*.pdf"))
    job = printer.submit(pdf, "kiosk test")
    outcome = printer.wait(job, timeout_s=30)
    assert outcome.completed, outcome
    return new_files(q.out_dir, before)


def test_prints_a_pdf_through_cupsd_and_follows_it_to_completion(cups_queue: CupsQueue) -> None:
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server)
    assert isinstance(printer, DocumentPrinter)
    status = printer.status()
    assert status.state is DeviceState.ONLINE and status.ready
    assert status.info["queue"] == "kiosk-pdf"
    marker = f"KIOSK-{uuid.uuid4().hex[:12].upper()}"
    files = printed(cups_queue, printer, make_pdf(marker))
    assert len(files) == 1
    assert files[0].read_bytes().startswith(b"%PDF-")
    assert marker in pdf_text(files[0])


def test_capabilities_are_asked_from_the_queue(cups_queue: CupsQueue) -> None:
    caps = CupsPrinter(cups_queue.queue, server=cups_queue.server).capabilities()
    assert caps.paper_sensor is None  # a bare CUPS queue cannot say
    assert caps.duplex is False
    assert "iso_a4_210x297mm" in caps.media_ready
    with_sensor = CupsPrinter(
        cups_queue.queue, server=cups_queue.server, status_source=SimulatedPrinterStatus()
    )
    assert with_sensor.capabilities().paper_sensor is True


def test_paper_out_refuses_submit_then_prints_after_refill(
    cups_queue: CupsQueue, pdf_bytes: bytes
) -> None:
    sim = SimulatedPrinterStatus()
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server, status_source=sim)
    sim.paper_out()
    status = printer.status()
    assert status.printer is not None and status.printer.paper is Paper.OUT
    assert not status.ready
    before = set(cups_queue.out_dir.rglob("*.pdf"))
    with pytest.raises(PaperOut) as info:
        printer.submit(pdf_bytes, "kiosk test")
    assert "缺纸" in info.value.message_zh and "out of paper" in info.value.message_en
    sim.clear()
    assert printer.status().ready
    assert len(printed(cups_queue, printer, pdf_bytes)) == 1
    assert len(new_files(cups_queue.out_dir, before)) == 1  # only the resubmission printed


def test_jam_while_a_job_waits_fails_it_cancels_it_and_a_reprint_works(
    cups_queue: CupsQueue, pdf_bytes: bytes
) -> None:
    sim = SimulatedPrinterStatus()
    held = CupsPrinter(cups_queue.queue, server=cups_queue.server, status_source=sim, options=HOLD)
    job = held.submit(pdf_bytes, "kiosk test")
    assert held.wait(job, timeout_s=0.3).pending
    sim.jam()
    outcome = held.wait(job, timeout_s=10)
    assert outcome.state is JobState.FAILED
    assert isinstance(outcome.error, PaperJam)
    # cancelled at the spooler, so it cannot come out later into an empty tray
    assert held.job_state(job)[0] is JobState.CANCELLED
    sim.clear()
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server, status_source=sim)
    files = printed(cups_queue, printer, job.document)  # the kept document, printed again
    assert len(files) == 1


def test_offline_refuses_submit(cups_queue: CupsQueue, pdf_bytes: bytes) -> None:
    sim = SimulatedPrinterStatus()
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server, status_source=sim)
    sim.offline()
    assert printer.status().state is DeviceState.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.submit(pdf_bytes, "kiosk test")
    sim.clear()
    assert printer.status().state is DeviceState.ONLINE


def test_a_paused_queue_is_offline_until_resumed(cups_queue: CupsQueue, pdf_bytes: bytes) -> None:
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server)
    subprocess.run(
        ["cupsdisable", "-h", cups_queue.server, "-r", "maintenance", cups_queue.queue],
        check=True,
        timeout=30,
    )
    try:
        status = printer.status()
        assert status.state is DeviceState.OFFLINE and not status.ready
        with pytest.raises(PrinterOffline):
            printer.submit(pdf_bytes, "kiosk test")
    finally:
        printer.resume()
    assert printer.status().ready


def test_cancel_a_pending_job(cups_queue: CupsQueue, pdf_bytes: bytes) -> None:
    printer = CupsPrinter(cups_queue.queue, server=cups_queue.server, options=HOLD)
    job = printer.submit(pdf_bytes, "kiosk test")
    assert printer.cancel(job) is True
    outcome = printer.wait(job, timeout_s=5)
    assert outcome.state is JobState.CANCELLED and outcome.failed
    assert printer.cancel(job) is False


def test_poller_publishes_status_changes(cups_queue: CupsQueue) -> None:
    sim = SimulatedPrinterStatus()
    printer = CupsPrinter(
        cups_queue.queue, server=cups_queue.server, status_source=sim, poll_interval_s=0.05
    )
    seen: list[DeviceStatus] = []
    jammed = threading.Event()

    def on_status(status: DeviceStatus) -> None:
        seen.append(status)
        if status.printer is not None and status.printer.paper is Paper.JAMMED:
            jammed.set()

    printer.status_publisher.subscribe(on_status)
    with printer:
        sim.jam()
        assert jammed.wait(10), [s.state for s in seen]
    assert seen[0].state is DeviceState.ONLINE  # STARTING -> ONLINE came first
    assert printer._thread is None  # stopped on exit


def test_unknown_queue_and_unreachable_server(cups_queue: CupsQueue, pdf_bytes: bytes) -> None:
    missing = CupsPrinter("no-such-queue", server=cups_queue.server)
    assert missing.status().state is DeviceState.NO_DEVICE
    with pytest.raises(PrinterOffline):
        missing.submit(pdf_bytes, "kiosk test")
    down = CupsPrinter(cups_queue.queue, server="127.0.0.1:1")
    assert down.status().state is DeviceState.OFFLINE
    with pytest.raises(PrinterOffline):
        down.submit(pdf_bytes, "kiosk test")


def test_non_pdf_never_reaches_the_spooler(cups_queue: CupsQueue) -> None:
    with pytest.raises(InvalidDocument):
        CupsPrinter(cups_queue.queue, server=cups_queue.server).submit(b"<html>", "x")


def test_parse_server() -> None:
    assert parse_server(None) == (None, None)
    assert parse_server("printhost") == ("printhost", None)
    assert parse_server("127.0.0.1:631") == ("127.0.0.1", 631)
    assert parse_server("[::1]:8631") == ("::1", 8631)
    assert parse_server("/run/cups/cups.sock") == ("/run/cups/cups.sock", None)

"""The PDF-directory sink: atomic files, ONLINE with paper FULL, jobs complete at once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from devices.printer.base import DocumentPrinter, InvalidDocument, JobState, PrinterOffline
from devices.printer.pdf_dir import PdfDirectoryPrinter
from devices.status import DeviceClass, DeviceState, Paper


def test_sink_is_a_document_printer_reporting_online_and_full(tmp_path: Path) -> None:
    printer = PdfDirectoryPrinter(tmp_path / "printed")
    assert isinstance(printer, DocumentPrinter)
    status = printer.status()
    assert status.device_class is DeviceClass.PRINTER
    assert status.state is DeviceState.ONLINE
    assert status.printer is not None and status.printer.paper is Paper.FULL
    assert status.ready
    assert status.capabilities["paper_sensor"] is False
    assert printer.status_publisher.status == status


def test_submit_writes_the_exact_bytes_owner_only_and_completes(
    tmp_path: Path, pdf_bytes: bytes
) -> None:
    printer = PdfDirectoryPrinter(tmp_path)
    job = printer.submit(pdf_bytes, "不动产登记 查询/结果")
    path = printer.path_of(job)
    assert path.read_bytes() == pdf_bytes
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "/" not in path.name.removesuffix(".pdf").split("-", 4)[-1]
    # no half-written temporary file is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    outcome = printer.wait(job, timeout_s=1)
    assert outcome.completed and outcome.error is None
    assert printer.cancel(job) is False


def test_each_job_gets_its_own_file(tmp_path: Path, pdf_bytes: bytes) -> None:
    printer = PdfDirectoryPrinter(tmp_path)
    jobs = [printer.submit(pdf_bytes, "same title") for _ in range(3)]
    assert len({printer.path_of(j) for j in jobs}) == 3
    assert all(printer.path_of(j).exists() for j in jobs)


def test_job_repr_never_shows_the_document(tmp_path: Path) -> None:
    secret = b"%PDF-1.4\n410402198805201238 ZHANG WEI\n%%EOF"
    job = PdfDirectoryPrinter(tmp_path).submit(secret, "t")
    assert "410402198805201238" not in repr(job)
    assert job.document == secret  # kept in memory for a reprint


def test_non_pdf_is_refused_with_a_typed_bilingual_error(tmp_path: Path) -> None:
    printer = PdfDirectoryPrinter(tmp_path)
    with pytest.raises(InvalidDocument) as info:
        printer.submit(b"hello", "t")
    assert info.value.message_zh and info.value.message_en
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_is_offline_and_submit_raises(
    tmp_path: Path, pdf_bytes: bytes
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    printer = PdfDirectoryPrinter(blocker / "printed")
    assert printer.status().state is DeviceState.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.submit(pdf_bytes, "t")


def test_a_missing_output_file_is_a_failed_job(tmp_path: Path, pdf_bytes: bytes) -> None:
    printer = PdfDirectoryPrinter(tmp_path)
    job = printer.submit(pdf_bytes, "t")
    printer.path_of(job).unlink()
    outcome = printer.wait(job, 0)
    assert outcome.state is JobState.FAILED
    assert isinstance(outcome.error, PrinterOffline)


def test_factory_builds_the_configured_printer(tmp_path: Path) -> None:
    from devices.printer.cups import CupsPrinter
    from devices.printer.deadline import DeadlinePrinter
    from devices.printer.factory import open_document_printer

    # Each behind a deadline (devices.printer.deadline): no call into it can hang the caller.
    sink = open_document_printer("pdf_dir", pdf_dir=tmp_path)
    assert isinstance(sink, DeadlinePrinter)
    assert isinstance(sink.inner, PdfDirectoryPrinter) and sink.directory == tmp_path
    cups = open_document_printer("cups", queue="q", server="127.0.0.1:631")
    assert isinstance(cups, DeadlinePrinter) and isinstance(cups.inner, CupsPrinter)
    assert cups.queue == "q" and cups.server == "127.0.0.1:631"
    for kind, kwargs in (("cups", {}), ("pdf_dir", {}), ("fax", {"queue": "q"})):
        with pytest.raises(ValueError):
            open_document_printer(kind, **kwargs)  # type: ignore[arg-type]

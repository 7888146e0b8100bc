"""Build the configured document printer from plain values (the caller reads the config)."""

from __future__ import annotations

from pathlib import Path

from devices.printer.base import DocumentPrinter
from devices.printer.deadline import DeadlinePrinter
from devices.printer.simulated import PrinterStatusSource


def open_document_printer(
    kind: str,
    *,
    queue: str = "",
    pdf_dir: Path | None = None,
    server: str | None = None,
    status_source: PrinterStatusSource | None = None,
    poll_interval_s: float = 2.0,
    call_timeout_s: float = 20.0,
) -> DocumentPrinter:
    """kind "pdf_dir" -> PdfDirectoryPrinter(pdf_dir); kind "cups" -> CupsPrinter(queue, ...);
    either behind a `DeadlinePrinter`, so no call into it blocks longer than `call_timeout_s`
    (a wait: its own timeout plus that)."""
    return DeadlinePrinter(
        _open(kind, queue=queue, pdf_dir=pdf_dir, server=server, status_source=status_source,
              poll_interval_s=poll_interval_s),
        call_timeout_s=call_timeout_s,
    )


def _open(
    kind: str,
    *,
    queue: str,
    pdf_dir: Path | None,
    server: str | None,
    status_source: PrinterStatusSource | None,
    poll_interval_s: float,
) -> DocumentPrinter:
    if kind == "pdf_dir":
        if pdf_dir is None:
            raise ValueError("printer kind 'pdf_dir' needs a directory")
        from devices.printer.pdf_dir import PdfDirectoryPrinter

        return PdfDirectoryPrinter(pdf_dir)
    if kind == "cups":
        if not queue:
            raise ValueError("printer kind 'cups' needs a queue name")
        from devices.printer.cups import (
            CupsPrinter,
        )  # imported here: pycups is only needed for CUPS

        return CupsPrinter(
            queue, server=server, status_source=status_source, poll_interval_s=poll_interval_s
        )
    raise ValueError(f"unknown printer kind {kind!r} (expected 'pdf_dir' or 'cups')")

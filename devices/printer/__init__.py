"""Document printers: CUPS (the real spooler), a PDF-directory sink, and ESC/POS receipts.

Import the concrete printers from their modules (`devices.printer.cups` needs pycups);
this package exports only the shared contract.
"""

from devices.printer.base import (
    DocumentPrinter,
    InvalidDocument,
    JobFailed,
    JobOutcome,
    JobState,
    PaperJam,
    PaperOut,
    PrinterCapabilities,
    PrinterError,
    PrinterOffline,
    PrintJob,
)

__all__ = [
    "DocumentPrinter",
    "InvalidDocument",
    "JobFailed",
    "JobOutcome",
    "JobState",
    "PaperJam",
    "PaperOut",
    "PrintJob",
    "PrinterCapabilities",
    "PrinterError",
    "PrinterOffline",
]

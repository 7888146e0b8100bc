"""Printer hand-off times: submit to a private cupsd (CUPS-PDF queue) and to the PDF-directory sink.

Prints one JSON object per figure. The CUPS figures need root and the cups and
printer-driver-cups-pdf packages; without them only the sink is measured (reason on stderr).
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from devices.printer.cups import CupsPrinter  # noqa: E402
from devices.printer.pdf_dir import PdfDirectoryPrinter  # noqa: E402
from tests.printer.cups_server import PrivateCups, unavailable_reason  # noqa: E402

RUNS = 30


def one_page_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 720, "benchmark page")
    c.showPage()
    c.save()
    return buf.getvalue()


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}), flush=True)


def percentiles(name: str, samples_s: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples_s)
    emit(f"{name}_p50", statistics.median(ms), "ms")
    emit(f"{name}_p95", ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], "ms")


def bench_sink(pdf: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        printer = PdfDirectoryPrinter(Path(tmp))
        samples = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            printer.submit(pdf, "bench")
            samples.append(time.perf_counter() - t0)
        percentiles("printer_pdf_dir_submit", samples)


def bench_cups(pdf: bytes) -> None:
    reason = unavailable_reason()
    if reason is not None:
        print(f"bench_printer: CUPS figures skipped: {reason}", file=sys.stderr)
        return
    with PrivateCups() as server:
        server.add_pdf_queue("bench-pdf")
        printer = CupsPrinter("bench-pdf", server=server.server, job_poll_interval_s=0.02)
        printer.wait(printer.submit(pdf, "warm-up"), timeout_s=30)
        handoff, done = [], []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            job = printer.submit(pdf, "bench")  # includes the fresh status check before submit
            t1 = time.perf_counter()
            outcome = printer.wait(job, timeout_s=30)
            t2 = time.perf_counter()
            if not outcome.completed:
                raise SystemExit(f"bench job did not complete: {outcome.state}")
            handoff.append(t1 - t0)
            done.append(t2 - t0)
        percentiles("printer_cups_submit", handoff)
        percentiles("printer_cups_job_completed", done)


def main() -> None:
    pdf = one_page_pdf()
    bench_sink(pdf)
    bench_cups(pdf)


if __name__ == "__main__":
    main()

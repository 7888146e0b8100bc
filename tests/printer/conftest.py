"""Fixtures for printer tests: one private cupsd with a CUPS-PDF queue for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.printer.cups_server import PrivateCups, unavailable_reason


@dataclass(frozen=True)
class CupsQueue:
    server: str
    queue: str
    out_dir: Path
    cups: PrivateCups


@pytest.fixture(scope="session")
def private_cups() -> Iterator[PrivateCups]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with PrivateCups() as server:
        yield server


@pytest.fixture(scope="session")
def cups_queue(private_cups: PrivateCups) -> CupsQueue:
    out = private_cups.add_pdf_queue("kiosk-pdf")
    return CupsQueue(private_cups.server, "kiosk-pdf", out, private_cups)


def make_pdf(text: str = "KIOSK TEST PAGE") -> bytes:
    """A small real one-page PDF (ReportLab), like the certificates the kiosk prints."""
    import io

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("test page")
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def pdf_bytes() -> bytes:
    return make_pdf()

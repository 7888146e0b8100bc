"""What every certificate page carries besides its text: header, DEMO watermark, footer, QR.

The canvas holds its pages until the document ends, so the footer can say "第 x 页 共 y 页".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.constants
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.doctemplate import BaseDocTemplate

if TYPE_CHECKING:
    from printing.layout import CertificateContent

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
QR_SIZE = 26 * mm
GRID = colors.Color(0.55, 0.55, 0.55)
DEMO_RED = colors.Color(0.80, 0.0, 0.0)
INK = colors.Color(0.1, 0.1, 0.1)
MUTED = colors.Color(0.4, 0.4, 0.4)


def qr_matrix(payload: str) -> list[list[bool]]:
    # A fixed mask spares qrcode trying all eight (the spec allows any; scanners read all).
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0
    )
    code.add_data(payload)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def draw_qr(
    canvas: Canvas, matrix: Sequence[Sequence[bool]], x: float, y: float, size: float
) -> None:
    """Draw the QR matrix as one vector path (runs of dark modules merged into rectangles)."""
    n = len(matrix)
    module = size / n
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        c = 0
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            path.rect(x + start * module, top, (c - start) * module, module)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    quiet = 4 * module  # the quiet zone scanners need
    canvas.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class FurnishedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that holds its pages until the end, so each can say "共 y 页"."""

    def __init__(
        self, *args: Any, furnish: Callable[[Canvas, int, int], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._furnish = furnish
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._furnish(self, number, total)
            super().showPage()
        super().save()


TIMESTAMP_PENDING_NOTE = (
    "时间戳待补：已加盖电子印章，可信时间戳将于服务恢复后补加。",
    "Timestamp pending: sealed; the trusted time stamp is added when the service is back.",
)


def page_under(content: CertificateContent, font: str) -> Callable[[Canvas, BaseDocTemplate], None]:
    """Drawn first on every page, beneath the text: header line and the DEMO watermark."""

    def draw(c: Canvas, doc: BaseDocTemplate) -> None:
        c.saveState()
        top = PAGE_HEIGHT - 14 * mm
        c.setFont(font, 8.5)
        c.setFillColor(MUTED)
        c.drawString(MARGIN_X, top, content.hall_name_zh or content.issuer_name_zh)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.6)
        c.line(MARGIN_X, top - 3 * mm, PAGE_WIDTH - MARGIN_X, top - 3 * mm)
        if content.timestamp_pending:
            c.setFillColor(INK)
            c.setFont(font, 8)
            for i, line in enumerate(TIMESTAMP_PENDING_NOTE):
                c.drawString(MARGIN_X, top - (7 + 3.6 * i) * mm, line)
        if content.demo:
            c.setFillColor(DEMO_RED)
            c.setFont(font, 10)
            c.drawRightString(PAGE_WIDTH - MARGIN_X, top, "演示样本 DEMO — 无效 / not valid")
            c.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            c.rotate(35)
            c.setFillColor(DEMO_RED)
            c.setFillAlpha(0.10)
            c.setFont(font, 64)
            c.drawCentredString(0, 20, "演示样本 无效")
            c.setFont(font, 48)
            c.drawCentredString(0, -50, "DEMO · NOT VALID")
        c.restoreState()

    return draw


def page_footer(content: CertificateContent, font: str) -> Callable[[Canvas, int, int], None]:
    matrix = qr_matrix(content.qr_payload)
    issued = content.issued_at.strftime("%Y-%m-%d %H:%M:%S")
    offset = content.issued_at.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""

    def draw(c: Canvas, number: int, total: int) -> None:
        c.saveState()
        qr_x = PAGE_WIDTH - MARGIN_X - QR_SIZE
        qr_y = 10 * mm
        draw_qr(c, matrix, qr_x, qr_y, QR_SIZE)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.6)
        line_y = qr_y + QR_SIZE + 3 * mm
        c.line(MARGIN_X, line_y, PAGE_WIDTH - MARGIN_X, line_y)
        c.setFillColor(INK)
        c.setFont(font, 10)
        y = line_y - 6 * mm
        c.drawString(MARGIN_X, y, f"验证码 Verification code：{content.verification_code}")
        c.setFont(font, 8.5)
        lines = [
            f"出具时间 Issued：{issued} {zone}    终端编号 Terminal：{content.terminal_id}",
            "扫描右侧二维码，或访问下列网址输入验证码，核验本证明的真实性：",
            f"Scan the QR code, or enter the code at {content.verify_url}",
        ]
        for text in lines:
            y -= 4.6 * mm
            c.drawString(MARGIN_X, y, text)
        c.setFont(font, 9.5)
        c.drawString(MARGIN_X, qr_y, f"第 {number} 页 共 {total} 页    Page {number} of {total}")
        c.restoreState()

    return draw

"""The attendant's test page: one A4 page that shows the printer prints Chinese and English
text and lines, with the terminal and the time (no citizen data)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from printing.fonts import find_cjk_font, register_reportlab_font


def render_test_page(terminal_id: str, now: datetime) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = register_reportlab_font(find_cjk_font())
    out = BytesIO()
    page = Canvas(out, pagesize=A4)
    width, height = A4
    page.setFont(font, 24)
    page.drawCentredString(width / 2, height - 40 * mm, "打印测试页 Printer test page")
    page.setFont(font, 12)
    page.drawCentredString(width / 2, height - 52 * mm,
                           f"终端 Terminal {terminal_id} · {now:%Y-%m-%d %H:%M:%S}")
    page.drawCentredString(width / 2, height - 62 * mm,
                           "如能看清本页的中文、英文和方框，打印机工作正常。")
    page.drawCentredString(width / 2, height - 69 * mm,
                           "If the Chinese, the English and the frame print clearly, the "
                           "printer works.")
    page.setLineWidth(1)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    page.showPage()
    page.save()
    return out.getvalue()

"""The public list of services as a PDF for the hall's notice board (ReportLab, the CJK font
embedded so it prints the same everywhere): `kiosk-admin services list --format pdf`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from kiosk.public_list import HOTLINE, ListedCategory
from printing.fonts import find_cjk_font, register_reportlab_font


def render_public_list(
    groups: Sequence[ListedCategory], *, hall_name_zh: str, hall_name_en: str,
    hall_phone: str, terminal_id: str, today: date,
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = register_reportlab_font(find_cjk_font())

    def style(size: float, leading: float | None = None, **extra: object) -> ParagraphStyle:
        return ParagraphStyle("s", fontName=font, fontSize=size,
                              leading=leading or size * 1.35, wordWrap="CJK", **extra)

    title, subtitle = style(20, alignment=1), style(11, alignment=1)
    heading, cell, small = style(14), style(9.5), style(8, textColor=colors.HexColor("#444444"))

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    count = sum(len(g.services) for g in groups)
    story: list[object] = [
        Paragraph(esc(f"{hall_name_zh} 自助服务事项清单"), title),
        Paragraph(esc(f"{hall_name_en}: self-service list"), subtitle),
        Spacer(1, 3 * mm),
        Paragraph(esc(f"终端 Terminal {terminal_id} · 共 {count} 项 {count} services · "
                      f"{today:%Y-%m-%d} · 大厅电话 Hall phone {hall_phone} · "
                      f"政务服务热线 Hotline {HOTLINE}"), subtitle),
        Spacer(1, 6 * mm),
    ]
    widths = [64 * mm, 56 * mm, 32 * mm, 22 * mm]
    header = [Paragraph(esc(text), cell) for text in
              ("事项 Service", "办理部门 Agency", "办理时间 Hours", "咨询电话 Phone")]
    if not count:  # every service switched off: the notice still tells people where to go
        story.append(Paragraph(esc(f"本机暂时没有可办理的事项。请到人工窗口办理，或拨打 {HOTLINE}。"
                                   "No service is offered on this terminal at present: please "
                                   f"go to a staffed counter or call {HOTLINE}."), cell))
    for group in groups:
        rows = [header]
        for s in group.services:
            rows.append([
                Paragraph(f"{esc(s.name_zh)}<br/><font size=8>{esc(s.name_en)}</font>", cell),
                Paragraph(f"{esc(s.agency_zh)}<br/><font size=8>{esc(s.agency_en)}</font>", cell),
                Paragraph(esc(s.hours_zh if s.hours_zh == s.hours_en
                              else f"{s.hours_zh} {s.hours_en}"), cell),
                Paragraph(esc(s.phone), cell),
            ])
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8899aa")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ebf5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(KeepTogether([Paragraph(esc(f"{group.name_zh} {group.name_en}"), heading),
                                   Spacer(1, 2 * mm)]))
        story.append(table)
        story.append(Spacer(1, 5 * mm))
    story.append(Paragraph(esc("本清单由终端按当前启用的事项生成。"
                               "This list is made by the terminal from the services it offers "
                               "now."), small))
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title="自助服务事项清单 Self-service list")
    doc.build(story)
    return out.getvalue()

"""ReportLab layout of an A4 certificate (pure: it only reads the registered font).

One layout serves every template family: the family gives the title and framing sentences,
the service's result fields give the labels and formats, and the query result gives the
values and table rows. Tables continue across pages with their header repeated; every page
carries the verification code, terminal id, time of issue, "第 x 页 共 y 页", a QR code and, on
demo documents, the DEMO mark. The red seal sits over the issuing-department line, and its
position is returned so the digital signature's field can be put on the same spot.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from printing.page import (
    GRID,
    INK,
    MARGIN_X,
    MUTED,
    PAGE_WIDTH,
    FurnishedCanvas,
    page_footer,
    page_under,
)
from printing.seal import draw_seal
from printing.templates import TemplateSpec, template_for
from services_catalog.model import (
    AuthenticatedPerson,
    QueryResult,
    ResultColumn,
    ResultField,
    Service,
    mask_id_number,
)
from services_catalog.presentation import format_date, format_value

MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 40 * mm  # room for the footer and its QR code
SEAL_RADIUS = 20 * mm
HEADER_FILL = colors.Color(0.90, 0.92, 0.95)
ZEBRA_FILL = colors.Color(0.97, 0.97, 0.97)
KEYWORD_PREFIX = "gov-kiosk-certificate/1"


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on one certificate, decided before layout starts."""

    service: Service
    person: AuthenticatedPerson
    result: QueryResult
    issuer_name_zh: str
    issuer_name_en: str
    terminal_id: str
    issued_at: datetime
    verification_code: str
    content_sha256: str
    qr_payload: str
    verify_url: str
    demo: bool
    hall_name_zh: str = ""
    mask_id_number: bool = False
    seal_bottom_text: str = "电子印章专用"
    # Sealed while the time-stamping authority was down: said on the paper (printing.issue).
    timestamp_pending: bool = False

    def __repr__(self) -> str:  # the person's repr is masked; keep the rest short too
        return f"CertificateContent(service={self.service.id!r}, person={self.person!r})"


@dataclass(frozen=True)
class SealPlacement:
    page_index: int  # 0-based
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points


@dataclass(frozen=True)
class RenderedCertificate:
    pdf: bytes
    page_count: int
    seal: SealPlacement


def pdf_keywords(verification_code: str, content_sha256: str) -> str:
    """The document-info keywords that carry the code and hash inside the signed bytes."""
    return f"{KEYWORD_PREFIX} code:{verification_code} sha256:{content_sha256}"


def display_width(text: str) -> int:
    """Width in half-em units: CJK and other wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Styles:
    def __init__(self, font: str) -> None:
        base = ParagraphStyle(
            "base", fontName=font, fontSize=11, leading=17, wordWrap="CJK", textColor=INK
        )
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=2
        )
        self.subtitle = ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=10,
            leading=14,
            alignment=TA_CENTER,
            textColor=MUTED,
            spaceAfter=12,
        )
        self.body = ParagraphStyle(
            "body", parent=base, fontSize=11.5, leading=19, firstLineIndent=23, spaceAfter=8
        )
        self.section = ParagraphStyle(
            "section", parent=base, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4
        )
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12.5)
        self.note = ParagraphStyle(
            "note", parent=base, fontSize=9.5, leading=14, textColor=MUTED, spaceBefore=6
        )


def _label(zh: str, en: str, styles: _Styles) -> Paragraph:
    return Paragraph(f"{_esc(zh)}<br/><font size=7 color='#666666'>{_esc(en)}</font>", styles.cell)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str, width: float, font_size: float, styles: _Styles) -> Any:
    # Plain strings are much cheaper; only text that would overflow gets a wrapping Paragraph.
    if display_width(text) * font_size / 2 + 8 <= width:
        return text
    return Paragraph(_esc(text), styles.cell)


def _scalar_table(
    fields: Sequence[ResultField], result: QueryResult, font: str, styles: _Styles, width: float
) -> Table:
    label_w = width * 0.32
    rows = []
    for f in fields:
        value = format_value(result.values.get(f.key), f.format)
        rows.append(
            [_label(f.label_zh, f.label_en, styles), _cell(value, width - label_w, 10, styles)]
        )
    table = Table(rows, colWidths=[label_w, width - label_w])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def column_widths(
    columns: Sequence[ResultColumn],
    cells: Sequence[Sequence[str]],
    width: float,
    font_size: float = 9.5,
) -> list[float]:
    """Share `width` among columns: each gets what its widest text needs when that fits;
    otherwise narrow columns keep their need and the wide ones share the rest (and wrap)."""
    need = []
    for i, col in enumerate(columns):
        widest = max(
            [display_width(col.label_zh) * font_size / 2, display_width(col.label_en) * 7 / 2]
            + [display_width(row[i]) * font_size / 2 for row in cells]
        )
        need.append(widest + 14)  # cell padding (6 + 6) and a little air
    if sum(need) <= width:
        return [width * n / sum(need) for n in need]
    flexible = set(range(len(need)))
    while True:
        fixed = sum(need[i] for i in range(len(need)) if i not in flexible)
        share = (width - fixed) / len(flexible)
        narrow = {i for i in flexible if need[i] <= share}
        if not narrow or narrow == flexible:
            break
        flexible -= narrow
    rest = width - sum(need[i] for i in range(len(need)) if i not in flexible)
    flex_total = sum(need[i] for i in flexible)
    return [rest * need[i] / flex_total if i in flexible else need[i] for i in range(len(need))]


def _data_table(
    field: ResultField, rows: Sequence[Any], font: str, styles: _Styles, width: float
) -> Table:
    columns = field.columns
    cells = [[format_value(row.get(c.key), c.format) for c in columns] for row in rows]
    widths = column_widths(columns, cells, width)
    data: list[list[Any]] = [[_label(c.label_zh, c.label_en, styles) for c in columns]]
    data += [[_cell(text, widths[i], 9.5, styles) for i, text in enumerate(row)] for row in cells]
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA_FILL]),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, col in enumerate(columns):
        if col.format in ("amount", "number", "area", "percent"):
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    if not cells:
        data.append(["无记录 / none"] + [""] * (len(columns) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


class _SealBlock(Flowable):  # type: ignore[misc]  # ReportLab is untyped
    """The issuing-department line and date, right-aligned, with the red seal over them."""

    def __init__(self, content: CertificateContent, font: str, sink: list[SealPlacement]) -> None:
        super().__init__()
        self.content, self.font, self.sink = content, font, sink
        self.height = 2 * SEAL_RADIUS + 2 * mm  # the seal fits; the text lines sit under it

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFillColor(INK)
        issuer_line = f"出具单位：{self.content.issuer_name_zh}"
        half = max(stringWidth(issuer_line, self.font, 12) / 2, SEAL_RADIUS)
        centre_x = self.width - half - 4 * mm
        line_y = self.height / 2 + 1 * mm
        c.setFont(self.font, 12)
        c.drawCentredString(centre_x, line_y, issuer_line)
        c.setFont(self.font, 11)
        c.drawCentredString(centre_x, line_y - 7 * mm, format_date(self.content.issued_at.date()))
        seal_y = line_y - 1 * mm
        draw_seal(
            c,
            centre_x,
            seal_y,
            SEAL_RADIUS,
            self.content.issuer_name_zh,
            self.font,
            self.content.seal_bottom_text,
        )
        x1, y1 = c.absolutePosition(centre_x - SEAL_RADIUS, seal_y - SEAL_RADIUS)
        x2, y2 = c.absolutePosition(centre_x + SEAL_RADIUS, seal_y + SEAL_RADIUS)
        self.sink.append(SealPlacement(c.getPageNumber() - 1, (x1, y1, x2, y2)))


def _story(
    content: CertificateContent,
    spec: TemplateSpec,
    font: str,
    styles: _Styles,
    sink: list[SealPlacement],
) -> list[Flowable]:
    width = PAGE_WIDTH - 2 * MARGIN_X
    result, service = content.result, content.service
    id_text = (
        mask_id_number(content.person.id_number)
        if content.mask_id_number
        else content.person.id_number
    )
    as_of = (
        format_date(result.data_as_of)
        if result.data_as_of
        else format_date(content.issued_at.date())
    )
    fill = {
        "name": _esc(content.person.name),
        "id_number": id_text,
        "as_of": as_of,
        "service": _esc(service.name_zh),
        "agency": _esc(service.agency_zh),
    }
    found = result.record_found
    story: list[Flowable] = [
        Paragraph(_esc(spec.title_zh if found else spec.no_record_title_zh), styles.title),
        Paragraph(_esc(spec.title_en if found else spec.no_record_title_en), styles.subtitle),
        Paragraph(
            (spec.statement_zh if found else spec.no_record_statement_zh).format(**fill),
            styles.body,
        ),
    ]
    if found:
        scalars = [f for f in service.result_fields if f.format != "table"]
        if scalars:
            story.append(_scalar_table(scalars, result, font, styles, width))
        for f in service.result_fields:
            if f.format == "table":
                story.append(
                    Paragraph(
                        f"{_esc(f.label_zh)}  <font size=8 color='#666666'>"
                        f"{_esc(f.label_en)}</font>",
                        styles.section,
                    )
                )
                story.append(_data_table(f, result.tables.get(f.key, ()), font, styles, width))
    closing = [
        Paragraph(_esc(spec.usage_note_zh) + "<br/>特此证明。", styles.note),
        Spacer(1, 2 * mm),
        _SealBlock(content, font, sink),
    ]
    story.append(KeepTogether(closing))
    return story


def render_certificate(content: CertificateContent, font_name: str) -> RenderedCertificate:
    """Lay the certificate out and return the PDF with the seal's position."""
    spec = template_for(content.service.template)
    styles = _Styles(font_name)
    sink: list[SealPlacement] = []
    buffer = io.BytesIO()
    title = spec.title_zh if content.result.record_found else spec.no_record_title_zh
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=("[DEMO] " if content.demo else "") + title,
        author=content.issuer_name_zh,
        subject=content.service.name_zh,
        keywords=pdf_keywords(content.verification_code, content.content_sha256),
        creator="gov-kiosk",
        # The canvas's initial font would otherwise be Helvetica: referenced, never embedded.
        initialFontName=font_name,
    )
    under = page_under(content, font_name)
    draw_footer = page_footer(content, font_name)
    pages: list[int] = []

    def counted_footer(c: Canvas, number: int, total: int) -> None:
        pages.append(total)
        draw_footer(c, number, total)

    doc.build(
        _story(content, spec, font_name, styles, sink),
        onFirstPage=under,
        onLaterPages=under,
        canvasmaker=lambda *a, **kw: FurnishedCanvas(*a, furnish=counted_footer, **kw),
    )
    if not sink:
        raise RuntimeError("the seal block was not drawn")  # a layout bug, not bad input
    return RenderedCertificate(pdf=buffer.getvalue(), page_count=pages[0], seal=sink[-1])

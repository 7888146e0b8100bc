"""Bar charts as SVG text, drawn on the server (pure): no script, nothing loaded from
elsewhere, readable by a screen reader (a title, and every bar's value in its own title)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#0b4f9c"  # 8.4:1 on white
INK = "#1b1b1b"
GRID = "#c8c8c8"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *,
              width: int = 480, height: int = 220, label_every: int = 1) -> str:
    """Vertical bars, one per label, scaled to the largest value (a zero chart stays flat).
    The SVG scales to its container through its viewBox."""
    if len(labels) != len(values):
        raise ValueError("one label per value")
    left, right, top, bottom = 40, 8, 24, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(values, default=0) or 1
    step = plot_w / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" fill="{INK}" font-size="14">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{GRID}"/>',
        f'<text x="{left - 4}" y="{top + 10}" fill="{INK}" font-size="14" '
        f'text-anchor="end">{_number(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" fill="{INK}" font-size="14" '
        f'text-anchor="end">0</text>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * value / peak
        x = left + index * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{bar_h:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>")
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 10}" fill="{INK}" '
                f'font-size="14" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

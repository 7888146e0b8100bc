"""The visible half of the electronic seal: a red round seal drawn as vectors.

The issuing department's name runs clockwise round the upper rim, a five-pointed star sits in
the middle and an optional line (e.g. 电子印章专用) runs under the star, as on the official
round seals of Chinese public bodies. Drawn on a ReportLab canvas, so it stays sharp at any
print resolution and adds no image to the PDF.
"""

from __future__ import annotations

import math

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

SEAL_RED = Color(0.84, 0.05, 0.09)
SEAL_OPACITY = 0.88  # lets the department line underneath show through, as ink does


def star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    """The ten corners of a five-pointed star, first point straight up."""
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(90 + i * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def rim_angles(count: int, span_max: float = 220.0, step_max: float = 26.0) -> list[float]:
    """Angles (degrees, counter-clockwise from +x) of `count` rim characters, centred on the
    top and read clockwise; long names are squeezed into `span_max` degrees."""
    if count <= 0:
        return []
    step = min(step_max, span_max / max(count - 1, 1)) if count > 1 else 0.0
    start = 90 + step * (count - 1) / 2
    return [start - i * step for i in range(count)]


def draw_seal(
    canvas: Canvas,
    cx: float,
    cy: float,
    radius: float,
    name: str,
    font_name: str,
    bottom_text: str = "",
) -> None:
    """Draw the seal centred on (cx, cy) with the given outer radius, in PDF points."""
    canvas.saveState()
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillAlpha(SEAL_OPACITY)
    canvas.setStrokeAlpha(SEAL_OPACITY)

    ring = radius * 0.055
    canvas.setLineWidth(ring)
    canvas.circle(cx, cy, radius - ring / 2, stroke=1, fill=0)

    path = canvas.beginPath()
    points = star_points(cx, cy, radius * 0.30)
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)

    chars = [c for c in name if not c.isspace()]
    size = radius * 0.27
    text_radius = radius - ring - size * 1.1
    angles = rim_angles(len(chars))
    # Long names keep their height and get narrower, as a seal engraver would cut them.
    step = abs(angles[0] - angles[1]) if len(angles) > 1 else 360.0
    room = text_radius * math.radians(step) * 0.92
    squeeze = min(1.0, room / size)
    canvas.setFont(font_name, size)
    for char, angle in zip(chars, angles, strict=True):
        canvas.saveState()
        theta = math.radians(angle)
        canvas.translate(cx + text_radius * math.cos(theta), cy + text_radius * math.sin(theta))
        canvas.rotate(angle - 90)  # the character's top faces outward
        canvas.scale(squeeze, 1.0)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()

    if bottom_text:
        bottom_size = radius * 0.15
        canvas.setFont(font_name, bottom_size)
        canvas.drawCentredString(cx, cy - radius * 0.62, bottom_text)
    canvas.restoreState()

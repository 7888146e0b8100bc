"""Every text colour of the console's style sheet and charts against its background: at
least 4.5:1 (WCAG 2 AA for body text), computed from the CSS itself."""

from __future__ import annotations

import re

from fleet.console import charts
from fleet.console.web import HERE

CSS = (HERE / "static" / "console.css").read_text(encoding="utf-8")
PAGE = "#ffffff"


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of every rule that sets a text colour; a rule
    without a background stands on the page's white (the style sheet's own rule)."""
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css,
                                                                     flags=re.S)):
        text = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        if text is None:
            continue
        ground = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6}|transparent)", body)
        background = PAGE if ground is None or ground[1] == "transparent" else ground[1]
        pairs.append((selector.strip(), text[1].lower(), background.lower()))
    return pairs


def test_the_contrast_computation_matches_known_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-too-light grey


def test_every_text_colour_in_the_style_sheet_reaches_4_5_to_1() -> None:
    pairs = colour_pairs(CSS)
    assert len(pairs) > 20  # the parser found the rules
    weak = [(s, c, b, round(contrast(c, b), 2)) for s, c, b in pairs if contrast(c, b) < 4.5]
    assert weak == []


def test_a_weak_pair_would_be_caught() -> None:
    assert colour_pairs(".x { color: #999999; }") == [(".x", "#999999", PAGE)]
    assert contrast("#999999", PAGE) < 4.5


def test_chart_text_and_bars_on_white() -> None:
    assert contrast(charts.INK, PAGE) >= 4.5
    assert contrast(charts.BAR, PAGE) >= 3.0  # a graphical object (WCAG 1.4.11)

"""Every text is at least 4.5:1 against what it is drawn on (WCAG 2.x, 1.4.3), computed from
the stylesheet's own colours, and measured on the rendered search hint.

Text rules that set no background sit on one of the light surfaces (page, cards, dialogs,
keyboard, lists); those inside the bar sit on the bar. Disabled controls are exempt, as WCAG
exempts inactive components.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLineEdit

from kiosk.ui import theme
from kiosk.ui.screens.home import TapLineEdit

MINIMUM = 4.5
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
NOT_TEXT = ("QScrollBar", "QProgressBar", "::chunk", "#Scrim")
TEXT_WIDGETS = ("QPushButton", "QLabel", "QLineEdit", "QListView", "QTableView",
                "QHeaderView", "#DemoBadge")


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(qss: str) -> list[tuple[str, dict[str, str]]]:
    qss = re.sub(r"/\*.*?\*/", "", qss, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", qss):
        props = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                key, value = declaration.split(":", 1)
                props[key.strip()] = value.strip()
        for selector in selectors.split(","):
            found.append((" ".join(selector.split()), props))
    return found


def colour_of(props: dict[str, str], key: str) -> str | None:
    for name in (key, f"{key}-color") if key == "background" else (key,):
        match = HEX.search(props.get(name, ""))
        if match:
            return match.group(0).lower()
    return None


def text_pairs(qss: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every place the stylesheet draws text."""
    parsed = rules(qss)
    default_text = next(colour_of(p, "color") for s, p in parsed if s == "*")
    button_text = next(colour_of(p, "color") for s, p in parsed if s == "QPushButton")
    bar = next(colour_of(p, "background") for s, p in parsed if s == "#Bar")
    surfaces = {colour_of(p, "background") for s, p in parsed
                if colour_of(p, "background") and colour_of(p, "color") is None
                and not any(k in s for k in ("QPushButton", "#Bar", "QHeaderView", *NOT_TEXT))}
    surfaces.discard(None)
    by_selector: dict[str, str] = {}
    for selector, props in parsed:
        if colour_of(props, "color"):
            by_selector[selector] = colour_of(props, "color")  # type: ignore[assignment]
    pairs = []
    for selector, props in parsed:
        if ":disabled" in selector or any(k in selector for k in NOT_TEXT):
            continue
        text = colour_of(props, "color")
        own = colour_of(props, "background")
        if own is not None:
            if not any(k in selector for k in TEXT_WIDGETS):
                continue  # a container: a surface for the text inside it
            # A state (:pressed, :checked) keeps the colour its widget's rule gives it.
            base = selector.split(":")[0]
            fallback = by_selector.get(base) or (
                button_text if "QPushButton" in selector else default_text)
            pairs.append((selector, text or fallback, own))
        elif text is not None:
            under = [bar] if selector.startswith("#Bar") else sorted(surfaces)
            pairs += [(selector, text, background) for background in under]
    return pairs


def test_contrast_arithmetic_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#87898b", "#ffffff") < 4.5  # the old search hint, as drawn


def test_every_text_colour_in_the_stylesheet_meets_4_5_to_1():
    for elderly in (False, True):
        pairs = text_pairs(theme.stylesheet(elderly=elderly))
        assert len(pairs) > 30  # the parser really read the file
        weak = [f"{s}: {t} on {b} = {contrast(t, b):.2f}" for s, t, b in pairs
                if contrast(t, b) < MINIMUM]
        assert not weak, "\n".join(weak)


def test_a_weak_colour_would_be_caught():
    qss = theme.stylesheet() + '\nQLabel[role="faint"] { color: #9aa3ad; }'
    assert any(s == 'QLabel[role="faint"]' and contrast(t, b) < MINIMUM
               for s, t, b in text_pairs(qss))


def test_colours_painted_in_code_meet_4_5_to_1():
    assert contrast(theme.PLACEHOLDER_COLOR, "#ffffff") >= MINIMUM
    assert contrast("#101418", "#f2b600") >= MINIMUM  # the demo badge on the attract screen
    # The attract screen's white text on its drifting blue gradient, at its lightest.
    lightest = max((QColor.fromHsv(hue, 200, 90).name() for hue in range(190, 221)),
                   key=luminance)
    assert contrast("#ffffff", lightest) >= MINIMUM


def test_the_search_hint_is_drawn_at_4_5_to_1(qtbot):
    app = QApplication.instance()
    old = app.styleSheet()
    try:
        for elderly in (False, True):
            app.setStyleSheet(theme.stylesheet(elderly=elderly))
            field = TapLineEdit()
            field.setPlaceholderText("搜索业务 Search")
            qtbot.addWidget(field)
            field.resize(700, 120)
            field.show()
            QApplication.processEvents()
            image = field.grab().toImage()
            counts = Counter(image.pixelColor(x, y).name() for y in range(image.height())
                             for x in range(image.width()))
            background = counts.most_common(1)[0][0]
            border = QColor("#0b2e59").name()
            ink = [c for c, n in counts.most_common() if c not in (background, border)][0]
            assert contrast(ink, background) >= MINIMUM, (ink, background)
            plain = QLineEdit()  # without the fix Qt draws it at half strength
            plain.setPlaceholderText("搜索业务 Search")
            qtbot.addWidget(plain)
            plain.resize(700, 120)
            plain.show()
            QApplication.processEvents()
            grabbed = plain.grab().toImage()
            plain_counts = Counter(grabbed.pixelColor(x, y).name()
                                   for y in range(grabbed.height())
                                   for x in range(grabbed.width()))
            plain_ink = [c for c, _ in plain_counts.most_common()
                         if c not in (background, border)][0]
            assert contrast(plain_ink, background) < MINIMUM
    finally:
        app.setStyleSheet(old)

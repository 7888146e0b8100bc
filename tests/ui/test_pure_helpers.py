"""The Qt-free helpers behind the screens: steppers, stylesheet scaling, preview shapes, texts."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest

from kiosk.ui import forms, theme
from kiosk.ui.preview import coerce_preview, default_guide
from kiosk.ui.texts import UI, VOICE, t, whole_seconds, wrap_label
from services_catalog.model import InputField

TODAY = date(2024, 1, 15)


def field(**kw) -> InputField:
    return InputField(key="k", label_zh="年度", label_en="year", **kw)


def test_year_starts_at_default_and_steps_within_bounds():
    spec = field(kind="year", min=2020, default="current")
    assert forms.initial_value(spec, TODAY) == "2024"
    low, high = forms.year_bounds(spec, TODAY)
    assert (low, high) == (2020, 2024)
    assert forms.step_year("2024", +1, low, high) == "2024"
    assert forms.step_year("2020", -1, low, high) == "2020"
    assert forms.step_year("2022", -1, low, high) == "2021"
    assert forms.initial_value(field(kind="year", default="previous"), TODAY) == "2023"


def test_month_steps_across_year_ends_and_clamps():
    spec = field(kind="month", min=2023, default="previous")
    assert forms.initial_value(spec, TODAY) == "2023-12"
    assert forms.step_month("2023-12", +1, 2023, 2024) == "2024-01"
    assert forms.step_month("2023-01", -1, 2023, 2024) == "2023-01"
    assert forms.step_month("2024-12", +1, 2023, 2024) == "2024-12"
    assert forms.month_label("2024-05", "zh") == "2024年5月"
    assert forms.month_label("2024-05", "en") == "2024-05"


def test_choice_defaults_and_keyboard_modes():
    choices = (("60", "60岁", "60"), ("55", "55岁", "55"))
    assert forms.initial_value(field(kind="choice", choices=choices), TODAY) == "60"
    assert forms.initial_value(field(kind="choice", choices=choices, default="55"), TODAY) == "55"
    assert forms.keyboard_mode(field(kind="id_number")) == "id"
    assert forms.keyboard_mode(field(kind="digits")) == "digits"
    assert forms.keyboard_mode(field(kind="text", pattern=r"\d+")) == "digits"
    assert forms.keyboard_mode(field(kind="text")) == "letters"


def test_elderly_stylesheet_scales_every_font_size_only():
    qss = "QLabel { font-size: 30px; min-height: 120px; }\n* { font-size:10px }"
    scaled = theme.scale_font_sizes(qss, 1.3)
    assert "font-size: 39px" in scaled and "font-size:13px" in scaled
    assert "min-height: 120px" in scaled
    with pytest.raises(ValueError):
        theme.scale_font_sizes(qss, 0)


def test_shipped_stylesheet_meets_the_minimum_sizes():
    import re

    qss = theme.stylesheet()
    sizes = [int(n) for n in re.findall(r"font-size:\s*(\d+)px", qss)]
    assert min(sizes) >= 28  # body text never below 28 px
    heights = [int(n) for n in re.findall(r"QPushButton[^{]*\{[^}]*min-height:\s*(\d+)px", qss)]
    assert heights and min(heights) >= 120  # every touch target at least 120 px tall
    assert "WenQuanYi Zen Hei" in qss


def test_preview_accepts_arrays_objects_and_rejects_junk():
    frame = np.zeros((48, 64, 3), np.uint8)
    assert coerce_preview(None) is None
    assert coerce_preview(frame).frame.shape == (48, 64, 3)
    bare = coerce_preview(SimpleNamespace(frame=np.zeros((4, 4), np.uint8)))
    assert bare is not None and bare.frame is None  # grey frames are not BGR: not drawn
    item = SimpleNamespace(frame=frame, instruction_zh="靠近", instruction_en="Closer",
                           seconds_left=3, guide=default_guide(64, 48))
    full = coerce_preview(item)
    assert full.instruction == ("靠近", "Closer") and full.seconds_left == 3.0
    assert full.guide.centre_x == 32
    assert "frame=(48, 64, 3)" in repr(full)  # shape only, never pixels


def test_texts_are_complete_in_both_languages():
    for table in (UI, VOICE):
        for key, (zh, en) in table.items():
            assert zh.strip() and en.strip(), key
            assert zh.count("{") == en.count("{"), key  # same placeholders in both
    assert t("seconds_left", "en", n=5) == "5 s left"
    assert whole_seconds(9.01) == 10 and whole_seconds(-1) == 0
    assert wrap_label("Housing provident fund") == "Housing\nprovident fund"
    assert wrap_label("住房公积金") == "住房公积金"

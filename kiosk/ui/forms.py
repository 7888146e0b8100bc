"""Pure helpers behind the inputs screen: starting values and the +/- steppers.

Validation itself is the catalog's (`services_catalog.catalog.validate_inputs`); these only
keep a stepper inside the bounds a field declares, so a citizen cannot step to a value the
check would then refuse.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.ui.texts import t
from services_catalog.model import InputField

DEFAULT_MIN_YEAR = 1900


def year_bounds(spec: InputField, today: date) -> tuple[int, int]:
    low = spec.min if spec.min is not None else DEFAULT_MIN_YEAR
    high = spec.max if spec.max is not None else today.year
    return low, max(low, high)


def initial_value(spec: InputField, today: date) -> str:
    """What a field shows before the citizen touches it."""
    default = spec.default or ""
    if spec.kind == "year":
        low, high = year_bounds(spec, today)
        year = today.year - (default == "previous")
        if default.isdigit():
            year = int(default)
        return str(min(max(year, low), high))
    if spec.kind == "month":
        low, high = year_bounds(spec, today)
        year, month = today.year, today.month
        if default == "previous":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        elif len(default) == 7 and default[4] == "-":
            year, month = int(default[:4]), int(default[5:])
        return clamp_month(f"{year:04d}-{month:02d}", low, high)
    if spec.kind == "choice":
        values = [c[0] for c in spec.choices]
        if default in values:
            return default
        return values[0] if values and spec.required else ""
    return default if default not in ("current", "previous") else ""


def step_year(value: str, delta: int, low: int, high: int) -> str:
    return str(min(max(int(value) + delta, low), high))


def clamp_month(value: str, low_year: int, high_year: int) -> str:
    year, month = int(value[:4]), int(value[5:7])
    if year < low_year:
        year, month = low_year, 1
    if year > high_year:
        year, month = high_year, 12
    return f"{year:04d}-{month:02d}"


def step_month(value: str, delta: int, low_year: int, high_year: int) -> str:
    """"2024-12" + 1 -> "2025-01", kept within the field's year range."""
    index = int(value[:4]) * 12 + int(value[5:7]) - 1 + delta
    year, month = divmod(index, 12)
    return clamp_month(f"{year:04d}-{month + 1:02d}", low_year, high_year)


def month_label(value: str, language: str) -> str:
    year, month = int(value[:4]), int(value[5:7])
    return f"{year}年{month}月" if language == "zh" else f"{year:04d}-{month:02d}"


def keyboard_mode(spec: InputField) -> str:
    """Which keys a typed field needs."""
    if spec.kind == "id_number":
        return "id"
    if spec.kind == "digits" or (spec.pattern is not None and spec.pattern.strip("^$") in
                                 (r"\d+", r"[0-9]+")):
        return "digits"
    return "letters"


_DIGIT_COUNT = re.compile(r"^\^?(?:\\d|\[0-9\])\{(\d+)(?:,(\d+))?\}\$?$")


def digit_lengths(spec: InputField) -> tuple[int, int] | None:
    """(fewest, most) digits a digits field's pattern allows, when it says (\\d{10})."""
    if spec.pattern is None:
        return None
    match = _DIGIT_COUNT.match(spec.pattern.strip())
    if match is None:
        return None
    low = int(match.group(1))
    return low, int(match.group(2) or low)


def field_hint(spec: InputField, language: str, typed: str = "") -> str:
    """What a typed field expects, in words ("10 位数字 / 10 digits"), and how much is in."""
    lengths = digit_lengths(spec)
    if spec.kind == "id_number":
        hint = t("field_id_number", language)
    elif lengths is not None:
        low, high = lengths
        hint = t("field_digits", language, n=low) if low == high else \
            t("field_digits_range", language, low=low, high=high)
    elif spec.example:
        hint = t("field_example", language, example=spec.example)
    else:
        return ""
    if typed and (lengths is not None or spec.kind == "id_number"):
        sep = "，" if language == "zh" else "; "
        hint = f"{hint}{sep}{t('field_typed', language, n=len(typed))}"
    return hint

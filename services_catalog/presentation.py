"""How result values look to a citizen: amounts, dates, months, areas, percentages.

Pure functions shared by the screen and the printed certificate, so a value reads the same on
both. A value that cannot be read in its declared format raises `ValueFormatError` rather than
printing something misleading on an official document.

>>> format_amount("1234.5")
'¥1,234.50'
>>> format_date("2024-05-01")
'2024年5月1日'
>>> format_value(89.5, "area", lang="en")
'89.50 m²'
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

Lang = Literal["zh", "en"]
EMPTY = "—"  # shown for a missing value
GLOSSARY_FILE = Path(__file__).resolve().parent / "glossary.toml"


class ValueFormatError(ValueError):
    """A back-end value does not fit the format its result field declares."""

    def __init__(self, value: Any, fmt: str) -> None:
        super().__init__(f"value of type {type(value).__name__} is not a valid {fmt}")
        self.fmt = fmt


def _decimal(value: Any, fmt: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueFormatError(value, fmt)
    if isinstance(value, float):
        value = repr(value)  # avoid binary noise: 0.1 -> "0.1", not 0.1000000000000000055...
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueFormatError(value, fmt) from None
    if not number.is_finite():
        raise ValueFormatError(value, fmt)
    return number


def format_amount(value: Any, lang: Lang = "zh") -> str:
    """Yuan with two decimals and thousands separators: ¥1,234.56 (-¥12.00 when negative)."""
    number = _decimal(value, "amount").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.2f}"


def format_number(value: Any, lang: Lang = "zh") -> str:
    """An integer with separators (12,345) or a decimal kept to its own precision (1,234.5)."""
    number = _decimal(value, "number")
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


def format_area(value: Any, lang: Lang = "zh") -> str:
    number = _decimal(value, "area").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{number:,.2f} 平方米" if lang == "zh" else f"{number:,.2f} m²"


def format_percent(value: Any, lang: Lang = "zh") -> str:
    """A ratio given in percent units: 12.5 -> 12.5%, 8 -> 8%."""
    number = _decimal(value, "percent").normalize()
    text = f"{number:f}"
    return f"{text}%"


def _as_date(value: Any, fmt: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for candidate in (text[:10], text.replace("/", "-")[:10]):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    if len(text) == 8 and text.isdigit():  # 20240501, as many back-ends send it
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise ValueFormatError(value, fmt)


def format_date(value: Any, lang: Lang = "zh") -> str:
    day = _as_date(value, "date")
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def format_month(value: Any, lang: Lang = "zh") -> str:
    """A month from 2024-05, 202405, 2024-05-01 or a date: 2024年5月 / 2024-05."""
    if isinstance(value, date):
        year, month = value.year, value.month
    else:
        text = str(value).strip().replace("/", "-")
        try:
            if len(text) == 6 and text.isdigit():
                year, month = int(text[:4]), int(text[4:])
            else:
                year, month = int(text[:4]), int(text[5:7])
        except ValueError:
            raise ValueFormatError(value, "month") from None
        if not (1 <= month <= 12 and 1000 <= year <= 9999) or (len(text) > 6 and text[4] != "-"):
            raise ValueFormatError(value, "month")
    return f"{year}年{month}月" if lang == "zh" else f"{year:04d}-{month:02d}"


def format_text(value: Any, lang: Lang = "zh") -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("Yes" if value else "No")
    text = str(value)
    return glossary().get(text, text) if lang == "en" else text


@functools.cache
def glossary() -> dict[str, str]:
    """English for enumerated back-end values (services_catalog/glossary.toml)."""
    with GLOSSARY_FILE.open("rb") as handle:
        values: dict[str, str] = tomllib.load(handle)["values"]
    return values


_FORMATTERS = {
    "text": format_text,
    "amount": format_amount,
    "number": format_number,
    "area": format_area,
    "percent": format_percent,
    "date": format_date,
    "month": format_month,
}


def format_value(value: Any, fmt: str, lang: Lang = "zh") -> str:
    """Format one value by a ResultField/ResultColumn `format` name; None or "" shows as —."""
    if value is None or value == "":
        return EMPTY
    try:
        formatter = _FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown value format {fmt!r}") from None
    return formatter(value, lang)


def format_row(row: Mapping[str, Any], formats: Mapping[str, str], lang: Lang = "zh") -> list[str]:
    """Format the cells of one table row in the order of `formats` (column key -> format)."""
    return [format_value(row.get(key), fmt, lang) for key, fmt in formats.items()]

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services_catalog.presentation import (
    EMPTY,
    ValueFormatError,
    format_amount,
    format_date,
    format_month,
    format_value,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.56, "¥1,234.56"),
        ("1234.5", "¥1,234.50"),
        (0, "¥0.00"),
        (Decimal("-12"), "-¥12.00"),
        ("1,000,000.005", "¥1,000,000.01"),
        (0.1, "¥0.10"),
    ],
)
def test_amounts(value: object, text: str) -> None:
    assert format_amount(value) == text


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_amount_text_reads_back_to_the_same_value(value: Decimal) -> None:
    text = format_amount(value)
    assert Decimal(text.replace("¥", "").replace(",", "")) == value


def test_dates_and_months_in_both_languages() -> None:
    assert format_date("2024-05-01") == "2024年5月1日"
    assert format_date("20240501", lang="en") == "2024-05-01"
    assert format_date(date(2024, 12, 31)) == "2024年12月31日"
    assert format_month("202405") == "2024年5月"
    assert format_month("2024-05", lang="en") == "2024-05"


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        ("abc", "amount"),
        ("2024-13-01", "date"),
        ("2024-13", "month"),
        (True, "amount"),
        ("nan", "number"),
    ],
)
def test_values_that_do_not_fit_their_format_raise(value: object, fmt: str) -> None:
    with pytest.raises(ValueFormatError):
        format_value(value, fmt)


def test_missing_values_show_a_dash_and_other_formats_work() -> None:
    assert format_value(None, "amount") == EMPTY
    assert format_value("", "date") == EMPTY
    assert format_value(89.5, "area") == "89.50 平方米"
    assert format_value(12, "percent") == "12%"
    assert format_value(12345, "number") == "12,345"
    assert format_value(True, "text", lang="en") == "Yes"

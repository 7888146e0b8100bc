"""English mode translates enumerated back-end values; Chinese mode and certificates keep the
back-end's own words; names pass through."""

from __future__ import annotations

from services_catalog.presentation import format_value, glossary


def test_enumerations_read_in_english() -> None:
    assert format_value("成套住宅", "text", "en") == "Residential unit"
    assert format_value("银行代扣", "text", "en") == "Bank direct debit"


def test_chinese_mode_and_names_are_untouched() -> None:
    assert format_value("成套住宅", "text", "zh") == "成套住宅"
    assert format_value("平顶山市第一人民医院", "text", "en") == "平顶山市第一人民医院"


def test_every_glossary_entry_has_english() -> None:
    for zh, en in glossary().items():
        assert zh and en and en.isascii(), zh

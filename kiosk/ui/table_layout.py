"""How a result table is laid out: as a table where it fits, else as one card per row.

Pure decisions, no Qt, so they are tested without a screen. A table that is wider than the
panel would scroll sideways, which a citizen at a portrait panel (or with large text) cannot
follow; there each row becomes a card of "label: value" lines that scrolls downwards with the
rest of the answer. Values are formatted by services_catalog.presentation, like the printed
certificate, so card, table and paper say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services_catalog.model import ResultColumn
from services_catalog.presentation import EMPTY, ValueFormatError, format_value

CARD_MIN_WIDTH = 760  # narrower than this, a label and a long address no longer sit side by side
MAX_CARDS_PER_LINE = 2  # more cards side by side turn back into a table to read across
LABEL_SHARE = 0.4  # the part of a card's width a label may take before it wraps


class TableMode(StrEnum):
    TABLE = "table"
    CARDS = "cards"


def choose_mode(natural_width: int, available_width: int, *, portrait: bool) -> TableMode:
    """A table only where it fits without scrolling sideways and the panel is landscape.

    On a portrait panel every table becomes cards: even a narrow table's numbers are read
    more easily one row at a time, at arm's length, than across a grid.
    """
    if natural_width < 0 or available_width < 0:
        raise ValueError("widths must not be negative")
    if portrait or natural_width > available_width:
        return TableMode.CARDS
    return TableMode.TABLE


def cards_per_line(available_width: int, *, portrait: bool) -> int:
    """How many row cards sit side by side: one on a portrait panel, up to two on a wide one."""
    if portrait:
        return 1
    return max(1, min(MAX_CARDS_PER_LINE, available_width // CARD_MIN_WIDTH))


def shown_value(value: Any, fmt: str, language: str) -> str:
    """A value as the citizen reads it; one the back-end sent malformed shows as a dash
    rather than as something that could be misread."""
    try:
        return format_value(value, fmt, "zh" if language == "zh" else "en")
    except (ValueFormatError, ValueError):
        return EMPTY


@dataclass(frozen=True)
class CardLine:
    """One "label: value" line of a row card."""

    key: str
    label: str
    value: str


def card_lines(columns: Sequence[ResultColumn], row: Mapping[str, Any],
               language: str) -> list[CardLine]:
    """Every column of one row, in the table's column order, as the citizen reads it."""
    return [
        CardLine(column.key, column.label_zh if language == "zh" else column.label_en,
                 shown_value(row.get(column.key), column.format, language))
        for column in columns
    ]

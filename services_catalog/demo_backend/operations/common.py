"""What every demo operation shares: the answer shapes and small SQL helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

Answer = dict[str, Any]
Handler = Callable[[sqlite3.Connection, str, dict[str, str], date], Answer]


class BadRequest(Exception):
    """A parameter the operation needs is missing or malformed (HTTP 400)."""


def answer_found(values: dict[str, Any] | None = None, **tables: list[dict[str, Any]]) -> Answer:
    return {"found": True, "values": values or {}, "tables": tables}


def answer_none(values: dict[str, Any] | None = None) -> Answer:
    return {"found": False, "values": values or {}, "tables": {}}


def answer_rows(values: dict[str, Any] | None = None, **tables: list[dict[str, Any]]) -> Answer:
    """A record when the (single) table has rows, "no record" (keeping `values`) when empty."""
    (rows,) = tables.values()
    return answer_found(values, **tables) if rows else answer_none(values)


def select_rows(db: sqlite3.Connection, sql: str, *args: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, args)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def year_param(q: dict[str, str], today: date) -> str:
    year = q.get("year", str(today.year))
    if not (year.isdigit() and len(year) == 4):
        raise BadRequest("year")
    return year

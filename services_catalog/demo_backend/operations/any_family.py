"""Operations every family answers: case progress, and records kept as documents."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from services_catalog.demo_backend.operations.common import (
    Answer,
    answer_found,
    answer_none,
    select_rows,
)
from services_catalog.demo_backend.operations.electricity import elec_derived


def progress(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    sql = (
        "SELECT case_no, title AS business, stage, accepted_on, expected_on FROM cases "
        "WHERE subject=? AND business=?"
    )
    args: list[Any] = [s, q.get("business", "")]
    if q.get("case_no"):
        sql += " AND case_no=?"
        args.append(q["case_no"])
    rows = select_rows(db, sql + " ORDER BY accepted_on DESC", *args)
    return answer_found(rows[0]) if rows else answer_none()


def record(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    family, topic = q["_family"], q.get("topic", "")
    if family == "electricity":
        derived = elec_derived(db, s, topic, today)
        if derived is not None:
            return derived
    row = db.execute(
        "SELECT body FROM records WHERE subject=? AND family=? AND topic=?", (s, family, topic)
    ).fetchone()
    if row is None:
        return answer_none()
    body = json.loads(row[0])
    values = {k: v for k, v in body.items() if not isinstance(v, list)}
    tables = {k: v for k, v in body.items() if isinstance(v, list)}
    return answer_found(values, **tables)

"""Real estate and housing: properties, encumbrances, archives, contracts, maintenance fund."""

from __future__ import annotations

import sqlite3
from datetime import date

from services_catalog.demo_backend.operations.common import (
    Answer,
    answer_found,
    answer_none,
    select_rows,
)


def properties(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    scope = q.get("scope", "current")
    scopes = ("current", "history") if scope == "history" else (scope,)
    rows = select_rows(
        db,
        "SELECT cert_no, location, usage, area, right_type, registered_on, status FROM properties"
        f" WHERE subject=? AND scope IN ({','.join('?' * len(scopes))}) ORDER BY registered_on",
        s,
        *scopes,
    )
    if not rows:
        return answer_none({"property_count": 0})
    return answer_found({"property_count": len(rows)}, properties=rows)


def encumbrances(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT proof_no, location, holder, amount, term, registered_on FROM encumbrances "
        "WHERE subject=? AND kind=? ORDER BY registered_on",
        s,
        q.get("kind", "mortgage"),
    )
    return answer_found({"count": len(rows)}, items=rows) if rows else answer_none({"count": 0})


def certificate(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    cert_no = q.get("cert_no", "")
    rows = select_rows(
        db,
        "SELECT cert_no, location, area, usage, right_type, registered_on, status FROM properties"
        " WHERE subject=? AND cert_no=? AND scope IN ('current', 'history')",
        s,
        cert_no,
    )
    if not rows:
        return answer_none({"cert_no": cert_no, "status": "未查询到该证书登记在您名下"})
    return answer_found(rows[0])


def housing_status(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    count, area = db.execute(
        "SELECT count(*), coalesce(sum(area), 0) FROM properties WHERE subject=? AND "
        "scope='current' AND usage LIKE '%住宅%'",
        (s,),
    ).fetchone()
    values = {
        "housing_status": f"有住房{count}套" if count else "无住房登记记录",
        "house_count": count,
        "total_area": round(area, 2),
        "checked_on": today.isoformat(),
    }
    # For a no-home proof "no record" is the answer being certified.
    return answer_found(values) if count else answer_none(values)


def archives(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT archive_no, location, area, structure, floor, registered_on FROM properties "
        "WHERE subject=? AND scope='current' ORDER BY registered_on",
        s,
    )
    return (
        answer_found({"house_count": len(rows)}, archives=rows)
        if rows
        else answer_none({"house_count": 0})
    )


def contracts(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT contract_no, location, area, price, signed_on, status FROM contracts "
        "WHERE subject=? AND kind=? ORDER BY signed_on",
        s,
        q.get("kind", "online"),
    )
    return answer_found({"count": len(rows)}, contracts=rows) if rows else answer_none({"count": 0})


def maintenance_fund(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db, "SELECT location, date, item, amount FROM maintenance WHERE subject=? ORDER BY date", s
    )
    if not rows:
        return answer_none()
    balance, entries = 0.0, []
    for row in rows:
        balance = round(balance + row["amount"], 2)
        entries.append({**row, "balance": balance})
    paid = sum(r["amount"] for r in rows if r["item"] == "首次交存" or "续交" in r["item"])
    values = {"house_location": rows[0]["location"], "paid_total": paid, "balance": balance}
    return answer_found(values, entries=entries)

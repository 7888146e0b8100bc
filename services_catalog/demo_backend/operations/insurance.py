"""Social insurance, medical insurance and pension: enrolment, contributions, accounts, payments."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from services_catalog.demo_backend.operations.common import (
    Answer,
    answer_found,
    answer_none,
    answer_rows,
    select_rows,
    year_param,
)


def contributions(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year, insurance = year_param(q, today), q.get("insurance", "all")
    where = "" if insurance == "all" else " AND insurance=?"
    args: tuple[Any, ...] = (s, f"{year}-%") + (() if insurance == "all" else (insurance,))
    rows = select_rows(
        db,
        "SELECT month, max(base) AS base, round(sum(personal), 2) AS personal, "
        "round(sum(employer), 2) AS employer, employer_name, status FROM contributions "
        f"WHERE subject=? AND month LIKE ?{where} GROUP BY month ORDER BY month",
        *args,
    )
    values = {
        "year": year,
        "months_paid": len(rows),
        "personal_total": round(sum(r["personal"] for r in rows), 2),
        "employer_total": round(sum(r["employer"] for r in rows), 2),
    }
    return answer_rows(values, rows=rows)


def enrollment(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT insurance, min(month) AS first, max(month) AS last, employer_name, "
        "max(base) AS base FROM contributions WHERE subject=? GROUP BY insurance",
        s,
    )
    if not rows:
        return answer_none()
    names = {
        "pension": "企业职工基本养老保险",
        "medical": "职工基本医疗保险",
        "unemployment": "失业保险",
        "work_injury": "工伤保险",
        "maternity": "生育保险",
        "resident_medical": "城乡居民基本医疗保险",
    }
    recent = max(r["last"] for r in rows)
    active = recent >= f"{today.year - 1}"
    months_paid = db.execute(
        "SELECT count(DISTINCT month) FROM contributions WHERE subject=? AND insurance IN "
        "('pension', 'resident_medical')",
        (s,),
    ).fetchone()[0]
    table = [
        {
            "insurance": names.get(r["insurance"], r["insurance"]),
            "status": "参保缴费" if r["last"] == recent and active else "暂停缴费",
            "since": f"{r['first']}-01",
            "base": r["base"],
        }
        for r in rows
    ]
    values = {
        "si_no": "4104" + "*" * 10 + s[:4].upper(),
        "employer": rows[0]["employer_name"],
        "status": "参保缴费" if active else "暂停缴费",
        "first_enrolled": min(f"{r['first']}-01" for r in rows),
        "total_months": months_paid,
    }
    return answer_found(values, insurances=table)


def medical_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db, "SELECT date, item, amount FROM medical_account WHERE subject=? ORDER BY date", s
    )
    if not rows:
        return answer_none()
    balance, statement = 0.0, []
    for row in rows:
        balance = round(balance + row["amount"], 2)
        statement.append({**row, "balance": balance})
    this_year = [r for r in rows if r["date"].startswith(str(today.year))]
    values = {
        "balance": balance,
        "year_in": round(sum(r["amount"] for r in this_year if r["amount"] > 0), 2),
        "year_out": round(-sum(r["amount"] for r in this_year if r["amount"] < 0), 2),
        "as_of": today.isoformat(),
    }
    return {**answer_found(values, rows=statement), "as_of": today.isoformat()}


def account_transactions(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = year_param(q, today)
    full = medical_account(db, s, q, today)
    rows = [r for r in full["tables"].get("rows", []) if r["date"].startswith(year)]
    values = {
        "year": year,
        "total_in": round(sum(r["amount"] for r in rows if r["amount"] > 0), 2),
        "total_out": round(-sum(r["amount"] for r in rows if r["amount"] < 0), 2),
    }
    return answer_rows(values, rows=rows)


def settlements(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = year_param(q, today)
    rows = select_rows(
        db,
        "SELECT date, hospital, type, total, fund_paid, self_paid FROM settlements "
        "WHERE subject=? AND date LIKE ? ORDER BY date",
        s,
        f"{year}-%",
    )
    values = {
        "year": year,
        "count": len(rows),
        "total_cost": round(sum(r["total"] for r in rows), 2),
        "fund_paid": round(sum(r["fund_paid"] for r in rows), 2),
        "self_paid": round(sum(r["self_paid"] for r in rows), 2),
    }
    return answer_rows(values, rows=rows)


def payments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = year_param(q, today)
    rows = select_rows(
        db,
        "SELECT month, basic, adjustment, round(basic + adjustment, 2) AS amount, paid_on, bank "
        "FROM pension_payments WHERE subject=? AND scheme=? AND month LIKE ? ORDER BY month",
        s,
        q.get("scheme", "employee"),
        f"{year}-%",
    )
    values = {"year": year, "months": len(rows), "total": round(sum(r["amount"] for r in rows), 2)}
    return answer_rows(values, rows=rows)


def pension_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT month, personal FROM contributions WHERE subject=? AND insurance='pension' "
        "ORDER BY month",
        s,
    )
    if not rows:
        return answer_none()
    # The personal account earns the yearly credited rate (about 6% a year lately).
    balance, interest_last, last_year = 0.0, 0.0, str(today.year - 1)
    for year in sorted({r["month"][:4] for r in rows}):
        interest = round(balance * 0.06, 2)
        if year == last_year:
            interest_last = interest
        balance += interest + sum(r["personal"] for r in rows if r["month"].startswith(year))
    months_paid = len(rows)
    values = {
        "balance": round(balance, 2),
        "personal_total": round(sum(r["personal"] for r in rows), 2),
        "interest_last_year": interest_last,
        "months": months_paid,
        "years_text": f"{months_paid // 12}年{months_paid % 12}个月",
        "first_month": rows[0]["month"],
    }
    return answer_found(values)


def estimate(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    account = pension_account(db, s, q, today)
    if not account["found"]:
        return answer_none()
    born = q.get("_birth", "")  # YYYYMMDD: the server reads it off the subject's ID number
    retire_age = int(q.get("retire_age", "63"))
    born_year = int(born[:4]) if born[:4].isdigit() else today.year - 40
    born_month = int(born[4:6]) if born[4:6].isdigit() else 1
    retire_month = f"{born_year + retire_age:04d}-{born_month:02d}"
    months_left = max(0, (born_year + retire_age - today.year) * 12 + born_month - today.month)
    v = account["values"]
    total_months = v["months"] + months_left
    avg_wage = 7350.0  # the province's average wage used for pension calculation
    basic = round(avg_wage * (1 + 1.0) / 2 * total_months / 12 * 0.01, 2)
    divisor = {55: 170, 58: 152, 60: 139, 63: 117}.get(retire_age, 139)
    projected = v["balance"] + months_left * (v["personal_total"] / max(v["months"], 1))
    personal = round(projected / divisor, 2)
    values = {
        "retire_month": retire_month,
        "assumed_months": total_months,
        "monthly_basic": basic,
        "monthly_personal": personal,
        "monthly_total": round(basic + personal, 2),
    }
    return answer_found(values)

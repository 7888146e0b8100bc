"""Housing provident fund: account, deposits, withdrawals, loan and repayments."""

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


def hf_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = select_rows(db, "SELECT * FROM hf_account WHERE subject=?", s)
    if not acct:
        return answer_none()
    a = acct[0]
    deposited = db.execute(
        "SELECT coalesce(sum(personal + employer), 0), max(month) FROM hf_deposits WHERE subject=?",
        (s,),
    ).fetchone()
    withdrawn = db.execute(
        "SELECT coalesce(sum(amount), 0) FROM hf_withdrawals WHERE subject=?", (s,)
    ).fetchone()[0]
    balance = round(deposited[0] * 1.04 - withdrawn, 2)  # 1.5% a year interest, roughly
    values = {
        "account_no": a["account_no"][:6] + "*****" + a["account_no"][-4:],
        "employer": a["employer"],
        "status": a["status"],
        "base": a["base"],
        "rate": a["rate"] * 100,
        "monthly_deposit": round(a["base"] * a["rate"] * 2, 2),
        "balance": balance,
        "paid_to": deposited[1],
        "opened_on": a["opened_on"],
    }
    return answer_found(values)


def hf_deposits(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = year_param(q, today)
    rows = select_rows(
        db,
        "SELECT month, base, personal, employer, round(personal + employer, 2) AS total, status "
        "FROM hf_deposits WHERE subject=? AND month LIKE ? ORDER BY month",
        s,
        f"{year}-%",
    )
    values = {"year": year, "months": len(rows), "total": round(sum(r["total"] for r in rows), 2)}
    return answer_rows(values, rows=rows)


def hf_withdrawals(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = select_rows(
        db,
        "SELECT date, reason, amount, status FROM hf_withdrawals WHERE subject=? "
        "ORDER BY date DESC",
        s,
    )
    values = {"count": len(rows), "total": round(sum(r["amount"] for r in rows), 2)}
    return answer_rows(values, rows=rows)


def _schedule(loan: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Equal monthly payments (等额本息) from the month after the loan was paid out."""
    rate = loan["rate"] / 100 / 12
    n = loan["term_months"]
    payment = loan["amount"] * rate * (1 + rate) ** n / ((1 + rate) ** n - 1)
    start = date.fromisoformat(loan["start_on"])
    outstanding, rows = loan["amount"], []
    for k in range(1, n + 1):
        year, month = divmod(start.month - 1 + k, 12)
        due = date(start.year + year, month + 1, 10)
        if due >= today:
            break
        interest = round(outstanding * rate, 2)
        principal = round(payment - interest, 2)
        outstanding = round(outstanding - principal, 2)
        rows.append(
            {
                "date": due.isoformat(),
                "principal": principal,
                "interest": interest,
                "total": round(payment, 2),
                "outstanding": outstanding,
            }
        )
    return rows


def hf_loan(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    loans = select_rows(db, "SELECT * FROM hf_loans WHERE subject=?", s)
    if not loans:
        return answer_none()
    loan = loans[0]
    paid = _schedule(loan, today)
    start = date.fromisoformat(loan["start_on"])
    end_year, end_month = divmod(start.month - 1 + loan["term_months"], 12)
    values = {
        "contract_no": loan["contract_no"],
        "location": loan["location"],
        "amount": loan["amount"],
        "term_months": loan["term_months"],
        "rate": loan["rate"],
        "start_on": loan["start_on"],
        "end_on": date(start.year + end_year, end_month + 1, 9).isoformat(),
        "monthly_payment": paid[0]["total"] if paid else 0,
        "outstanding": paid[-1]["outstanding"] if paid else loan["amount"],
        "status": loan["status"],
    }
    return answer_found(values)


def hf_repayments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = year_param(q, today)
    loans = select_rows(db, "SELECT * FROM hf_loans WHERE subject=?", s)
    rows = [r for r in _schedule(loans[0], today) if r["date"].startswith(year)] if loans else []
    values = {"year": year, "total": round(sum(r["total"] for r in rows), 2)}
    return answer_rows(values, rows=rows)


def loan_quota(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    account = hf_account(db, s, q, today)
    if not account["found"]:
        return answer_none()
    balance = account["values"]["balance"]
    cap = 600000.0
    has_loan = db.execute(
        "SELECT count(*) FROM hf_loans WHERE subject=? AND status='正常还款'", (s,)
    ).fetchone()[0]
    quota = 0.0 if has_loan else min(round(balance * 15, -2), cap)
    note = "现有公积金贷款未结清，暂不能再次申请" if has_loan else "按账户余额15倍测算，以审批为准"
    return answer_found(
        {"balance": balance, "multiple": 15, "quota": quota, "cap": cap, "note": note}
    )

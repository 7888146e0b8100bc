"""The demo back-end's operations: SQL over the sample data, answering in the adapters' JSON.

Each operation takes the database, the subject key, the query parameters and today's date and
returns the answer body (`found`, `values`, `tables`, ...). "No record" is `found: false`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

Answer = dict[str, Any]
Handler = Callable[[sqlite3.Connection, str, dict[str, str], date], Answer]


class BadRequest(Exception):
    """A parameter the operation needs is missing or malformed (HTTP 400)."""


def _found(values: dict[str, Any] | None = None, **tables: list[dict[str, Any]]) -> Answer:
    return {"found": True, "values": values or {}, "tables": tables}


def _none(values: dict[str, Any] | None = None) -> Answer:
    return {"found": False, "values": values or {}, "tables": {}}


def _rows(db: sqlite3.Connection, sql: str, *args: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, args)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _year(q: dict[str, str], today: date) -> str:
    year = q.get("year", str(today.year))
    if not (year.isdigit() and len(year) == 4):
        raise BadRequest("year")
    return year


# --- real estate and housing -----------------------------------------------------------------


def properties(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    scope = q.get("scope", "current")
    scopes = ("current", "history") if scope == "history" else (scope,)
    rows = _rows(
        db,
        "SELECT cert_no, location, usage, area, right_type, registered_on, status FROM properties"
        f" WHERE subject=? AND scope IN ({','.join('?' * len(scopes))}) ORDER BY registered_on",
        s, *scopes,
    )  # fmt: skip
    if not rows:
        return _none({"property_count": 0})
    return _found({"property_count": len(rows)}, properties=rows)


def encumbrances(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(
        db,
        "SELECT proof_no, location, holder, amount, term, registered_on FROM encumbrances "
        "WHERE subject=? AND kind=? ORDER BY registered_on",
        s, q.get("kind", "mortgage"),
    )  # fmt: skip
    return _found({"count": len(rows)}, items=rows) if rows else _none({"count": 0})


def certificate(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    cert_no = q.get("cert_no", "")
    rows = _rows(
        db,
        "SELECT cert_no, location, area, usage, right_type, registered_on, status FROM properties"
        " WHERE subject=? AND cert_no=? AND scope IN ('current', 'history')",
        s, cert_no,
    )  # fmt: skip
    if not rows:
        return _none({"cert_no": cert_no, "status": "未查询到该证书登记在您名下"})
    return _found(rows[0])


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
    return _found(values) if count else _none(values)


def archives(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(
        db,
        "SELECT archive_no, location, area, structure, floor, registered_on FROM properties "
        "WHERE subject=? AND scope='current' ORDER BY registered_on",
        s,
    )
    return _found({"house_count": len(rows)}, archives=rows) if rows else _none({"house_count": 0})


def contracts(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(
        db,
        "SELECT contract_no, location, area, price, signed_on, status FROM contracts "
        "WHERE subject=? AND kind=? ORDER BY signed_on",
        s, q.get("kind", "online"),
    )  # fmt: skip
    return _found({"count": len(rows)}, contracts=rows) if rows else _none({"count": 0})


def maintenance_fund(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(db, "SELECT location, date, item, amount FROM maintenance WHERE subject=? "
                     "ORDER BY date", s)  # fmt: skip
    if not rows:
        return _none()
    balance, entries = 0.0, []
    for row in rows:
        balance = round(balance + row["amount"], 2)
        entries.append({**row, "balance": balance})
    paid = sum(r["amount"] for r in rows if r["item"] == "首次交存" or "续交" in r["item"])
    values = {"house_location": rows[0]["location"], "paid_total": paid, "balance": balance}
    return _found(values, entries=entries)


# --- social insurance, medical insurance, pension --------------------------------------------


def contributions(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year, insurance = _year(q, today), q.get("insurance", "all")
    where = "" if insurance == "all" else " AND insurance=?"
    args: tuple[Any, ...] = (s, f"{year}-%") + (() if insurance == "all" else (insurance,))
    rows = _rows(
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
    return _found(values, rows=rows) if rows else _none(values)


def enrollment(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(
        db,
        "SELECT insurance, min(month) AS first, max(month) AS last, employer_name, "
        "max(base) AS base FROM contributions WHERE subject=? GROUP BY insurance",
        s,
    )
    if not rows:
        return _none()
    names = {"pension": "企业职工基本养老保险", "medical": "职工基本医疗保险", "unemployment":
             "失业保险", "work_injury": "工伤保险", "maternity": "生育保险",
             "resident_medical": "城乡居民基本医疗保险"}  # fmt: skip
    recent = max(r["last"] for r in rows)
    active = recent >= f"{today.year - 1}"
    months_paid = db.execute(
        "SELECT count(DISTINCT month) FROM contributions WHERE subject=? AND insurance IN "
        "('pension', 'resident_medical')", (s,)).fetchone()[0]  # fmt: skip
    table = [
        {"insurance": names.get(r["insurance"], r["insurance"]),
         "status": "参保缴费" if r["last"] == recent and active else "暂停缴费",
         "since": f"{r['first']}-01", "base": r["base"]}
        for r in rows
    ]  # fmt: skip
    values = {
        "si_no": "4104" + "*" * 10 + s[:4].upper(),
        "employer": rows[0]["employer_name"],
        "status": "参保缴费" if active else "暂停缴费",
        "first_enrolled": min(f"{r['first']}-01" for r in rows),
        "total_months": months_paid,
    }
    return _found(values, insurances=table)


def medical_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(db, "SELECT date, item, amount FROM medical_account WHERE subject=? ORDER BY date",
                 s)  # fmt: skip
    if not rows:
        return _none()
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
    return {**_found(values, rows=statement), "as_of": today.isoformat()}


def account_transactions(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = _year(q, today)
    full = medical_account(db, s, q, today)
    rows = [r for r in full["tables"].get("rows", []) if r["date"].startswith(year)]
    values = {
        "year": year,
        "total_in": round(sum(r["amount"] for r in rows if r["amount"] > 0), 2),
        "total_out": round(-sum(r["amount"] for r in rows if r["amount"] < 0), 2),
    }
    return _found(values, rows=rows) if rows else _none(values)


def settlements(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = _year(q, today)
    rows = _rows(
        db,
        "SELECT date, hospital, type, total, fund_paid, self_paid FROM settlements "
        "WHERE subject=? AND date LIKE ? ORDER BY date",
        s, f"{year}-%",
    )  # fmt: skip
    values = {
        "year": year,
        "count": len(rows),
        "total_cost": round(sum(r["total"] for r in rows), 2),
        "fund_paid": round(sum(r["fund_paid"] for r in rows), 2),
        "self_paid": round(sum(r["self_paid"] for r in rows), 2),
    }
    return _found(values, rows=rows) if rows else _none(values)


def payments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = _year(q, today)
    rows = _rows(
        db,
        "SELECT month, basic, adjustment, round(basic + adjustment, 2) AS amount, paid_on, bank "
        "FROM pension_payments WHERE subject=? AND scheme=? AND month LIKE ? ORDER BY month",
        s, q.get("scheme", "employee"), f"{year}-%",
    )  # fmt: skip
    values = {"year": year, "months": len(rows),
              "total": round(sum(r["amount"] for r in rows), 2)}  # fmt: skip
    return _found(values, rows=rows) if rows else _none(values)


def pension_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(
        db,
        "SELECT month, personal FROM contributions WHERE subject=? AND insurance='pension' "
        "ORDER BY month",
        s,
    )
    if not rows:
        return _none()
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
    return _found(values)


def estimate(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    account = pension_account(db, s, q, today)
    if not account["found"]:
        return _none()
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
    return _found(values)


# --- housing fund ------------------------------------------------------------------------------


def hf_account(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = _rows(db, "SELECT * FROM hf_account WHERE subject=?", s)
    if not acct:
        return _none()
    a = acct[0]
    deposited = db.execute("SELECT coalesce(sum(personal + employer), 0), max(month) FROM "
                           "hf_deposits WHERE subject=?", (s,)).fetchone()  # fmt: skip
    withdrawn = db.execute("SELECT coalesce(sum(amount), 0) FROM hf_withdrawals WHERE subject=?",
                           (s,)).fetchone()[0]  # fmt: skip
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
    return _found(values)


def hf_deposits(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = _year(q, today)
    rows = _rows(
        db,
        "SELECT month, base, personal, employer, round(personal + employer, 2) AS total, status "
        "FROM hf_deposits WHERE subject=? AND month LIKE ? ORDER BY month",
        s, f"{year}-%",
    )  # fmt: skip
    values = {"year": year, "months": len(rows), "total": round(sum(r["total"] for r in rows), 2)}
    return _found(values, rows=rows) if rows else _none(values)


def hf_withdrawals(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    rows = _rows(db, "SELECT date, reason, amount, status FROM hf_withdrawals WHERE subject=? "
                     "ORDER BY date DESC", s)  # fmt: skip
    values = {"count": len(rows), "total": round(sum(r["amount"] for r in rows), 2)}
    return _found(values, rows=rows) if rows else _none(values)


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
        rows.append({"date": due.isoformat(), "principal": principal, "interest": interest,
                     "total": round(payment, 2), "outstanding": outstanding})  # fmt: skip
    return rows


def hf_loan(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    loans = _rows(db, "SELECT * FROM hf_loans WHERE subject=?", s)
    if not loans:
        return _none()
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
    return _found(values)


def hf_repayments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = _year(q, today)
    loans = _rows(db, "SELECT * FROM hf_loans WHERE subject=?", s)
    rows = [r for r in _schedule(loans[0], today) if r["date"].startswith(year)] if loans else []
    values = {"year": year, "total": round(sum(r["total"] for r in rows), 2)}
    return _found(values, rows=rows) if rows else _none(values)


def loan_quota(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    account = hf_account(db, s, q, today)
    if not account["found"]:
        return _none()
    balance = account["values"]["balance"]
    cap = 600000.0
    has_loan = db.execute("SELECT count(*) FROM hf_loans WHERE subject=? AND status='正常还款'",
                          (s,)).fetchone()[0]  # fmt: skip
    quota = 0.0 if has_loan else min(round(balance * 15, -2), cap)
    note = "现有公积金贷款未结清，暂不能再次申请" if has_loan else "按账户余额15倍测算，以审批为准"
    return _found({"balance": balance, "multiple": 15, "quota": quota, "cap": cap, "note": note})


# --- electricity -------------------------------------------------------------------------------


def _elec_account(db: sqlite3.Connection, s: str, q: dict[str, str]) -> dict[str, Any] | None:
    rows = _rows(db, "SELECT * FROM elec_accounts WHERE subject=? ORDER BY opened_on", s)
    wanted = q.get("account_no")
    if wanted:
        rows = [r for r in rows if r["account_no"] == wanted]
    return rows[0] if rows else None


def elec_balance(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = _elec_account(db, s, q)
    if acct is None:
        return _none()
    values = {
        "account_no": acct["account_no"],
        "address": acct["address"],
        "balance": max(acct["balance"], 0.0),
        "arrears": max(-acct["balance"], 0.0),
        "as_of": today.isoformat(),
    }
    return {**_found(values), "as_of": today.isoformat()}


def elec_bills(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct, year = _elec_account(db, s, q), _year(q, today)
    if acct is None:
        return _none()
    rows = _rows(db, "SELECT month, usage_kwh, peak_kwh, amount, status FROM elec_bills WHERE "
                     "account_no=? AND month LIKE ? ORDER BY month", acct["account_no"],
                 f"{year}-%")  # fmt: skip
    values = {"account_no": acct["account_no"], "year": year,
              "total_kwh": sum(r["usage_kwh"] for r in rows),
              "total_amount": round(sum(r["amount"] for r in rows), 2)}  # fmt: skip
    return _found(values, rows=rows) if rows else _none(values)


def elec_payments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct, year = _elec_account(db, s, q), _year(q, today)
    if acct is None:
        return _none()
    rows = _rows(db, "SELECT paid_on, amount, channel, reference FROM elec_payments WHERE "
                     "account_no=? AND paid_on LIKE ? ORDER BY paid_on DESC",
                 acct["account_no"], f"{year}-%")  # fmt: skip
    values = {"account_no": acct["account_no"], "count": len(rows),
              "total": round(sum(r["amount"] for r in rows), 2)}  # fmt: skip
    return _found(values, rows=rows) if rows else _none(values)


def elec_account_info(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = _elec_account(db, s, q)
    if acct is None:
        return _none()
    keys = ("account_no", "address", "category", "pricing", "voltage", "meter_no", "opened_on")
    return _found({k: acct[k] for k in keys})


# Henan's residential tiers: 2160 and 4200 kWh a year.
TIER1, TIER2 = 2160, 4200


def tiered(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = str(today.year)
    bills = elec_bills(db, s, {**q, "year": year}, today)
    if "account_no" not in bills["values"]:
        return _none()
    used = bills["values"]["total_kwh"]
    tier, left = (("第一档", TIER1 - used) if used <= TIER1 else
                  ("第二档", TIER2 - used) if used <= TIER2 else ("第三档", 0))  # fmt: skip
    values = {"year": year, "usage_kwh": used, "tier1_limit": TIER1, "tier2_limit": TIER2,
              "current_tier": tier, "remaining_in_tier": left}  # fmt: skip
    return _found(values)


def elec_derived(db: sqlite3.Connection, s: str, topic: str, today: date) -> Answer | None:
    """Invoices and peak/off-peak figures come from the bills of the last twelve months."""
    acct = _elec_account(db, s, {})
    if acct is None or topic not in ("invoices", "peak_valley"):
        return None
    bills = _rows(db, "SELECT month, usage_kwh, peak_kwh, amount FROM elec_bills WHERE "
                      "account_no=? ORDER BY month DESC LIMIT 12", acct["account_no"])  # fmt: skip
    if topic == "invoices":
        rows = [{"month": b["month"], "invoice_no": f"2541{b['month'].replace('-', '')}"
                 f"{acct['account_no'][-6:]}", "amount": b["amount"],
                 "issued_on": f"{b['month']}-28"} for b in bills]  # fmt: skip
    else:
        rows = [{"month": b["month"], "peak_kwh": b["peak_kwh"],
                 "valley_kwh": b["usage_kwh"] - b["peak_kwh"]} for b in bills]  # fmt: skip
    return _found(rows=rows) if rows else _none()


# --- any family --------------------------------------------------------------------------------


def progress(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    sql = "SELECT case_no, title AS business, stage, accepted_on, expected_on FROM cases " \
          "WHERE subject=? AND business=?"  # fmt: skip
    args: list[Any] = [s, q.get("business", "")]
    if q.get("case_no"):
        sql += " AND case_no=?"
        args.append(q["case_no"])
    rows = _rows(db, sql + " ORDER BY accepted_on DESC", *args)
    return _found(rows[0]) if rows else _none()


def record(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    family, topic = q["_family"], q.get("topic", "")
    if family == "electricity":
        derived = elec_derived(db, s, topic, today)
        if derived is not None:
            return derived
    row = db.execute("SELECT body FROM records WHERE subject=? AND family=? AND topic=?",
                     (s, family, topic)).fetchone()  # fmt: skip
    if row is None:
        return _none()
    body = json.loads(row[0])
    values = {k: v for k, v in body.items() if not isinstance(v, list)}
    tables = {k: v for k, v in body.items() if isinstance(v, list)}
    return _found(values, **tables)


ALL = ("real_estate", "social_insurance", "medical_insurance", "pension", "housing_fund",
       "electricity")  # fmt: skip
# (family, operation) -> handler
OPERATIONS: dict[tuple[str, str], Handler] = {
    ("real_estate", "properties"): properties,
    ("real_estate", "encumbrances"): encumbrances,
    ("real_estate", "certificate"): certificate,
    ("real_estate", "housing_status"): housing_status,
    ("real_estate", "archives"): archives,
    ("real_estate", "contracts"): contracts,
    ("real_estate", "maintenance_fund"): maintenance_fund,
    ("social_insurance", "enrollment"): enrollment,
    ("social_insurance", "contributions"): contributions,
    ("medical_insurance", "contributions"): contributions,
    ("medical_insurance", "account"): medical_account,
    ("medical_insurance", "account_transactions"): account_transactions,
    ("medical_insurance", "settlements"): settlements,
    ("pension", "contributions"): contributions,
    ("pension", "payments"): payments,
    ("pension", "account"): pension_account,
    ("pension", "estimate"): estimate,
    ("housing_fund", "account"): hf_account,
    ("housing_fund", "deposits"): hf_deposits,
    ("housing_fund", "withdrawals"): hf_withdrawals,
    ("housing_fund", "loan"): hf_loan,
    ("housing_fund", "repayments"): hf_repayments,
    ("housing_fund", "loan_quota"): loan_quota,
    ("electricity", "balance"): elec_balance,
    ("electricity", "bills"): elec_bills,
    ("electricity", "payments"): elec_payments,
    ("electricity", "account_info"): elec_account_info,
    ("electricity", "tiered"): tiered,
    **{(family, "progress"): progress for family in ALL},
    **{(family, "record"): record for family in ALL},
}

"""State Grid electricity: balance, bills, payments, tiered pricing."""

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


def _elec_account(db: sqlite3.Connection, s: str, q: dict[str, str]) -> dict[str, Any] | None:
    rows = select_rows(db, "SELECT * FROM elec_accounts WHERE subject=? ORDER BY opened_on", s)
    wanted = q.get("account_no")
    if wanted:
        rows = [r for r in rows if r["account_no"] == wanted]
    return rows[0] if rows else None


def elec_balance(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = _elec_account(db, s, q)
    if acct is None:
        return answer_none()
    values = {
        "account_no": acct["account_no"],
        "address": acct["address"],
        "balance": max(acct["balance"], 0.0),
        "arrears": max(-acct["balance"], 0.0),
        "as_of": today.isoformat(),
    }
    return {**answer_found(values), "as_of": today.isoformat()}


def elec_bills(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct, year = _elec_account(db, s, q), year_param(q, today)
    if acct is None:
        return answer_none()
    rows = select_rows(
        db,
        "SELECT month, usage_kwh, peak_kwh, amount, status FROM elec_bills WHERE "
        "account_no=? AND month LIKE ? ORDER BY month",
        acct["account_no"],
        f"{year}-%",
    )
    values = {
        "account_no": acct["account_no"],
        "year": year,
        "total_kwh": sum(r["usage_kwh"] for r in rows),
        "total_amount": round(sum(r["amount"] for r in rows), 2),
    }
    return answer_rows(values, rows=rows)


def elec_payments(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct, year = _elec_account(db, s, q), year_param(q, today)
    if acct is None:
        return answer_none()
    rows = select_rows(
        db,
        "SELECT paid_on, amount, channel, reference FROM elec_payments WHERE "
        "account_no=? AND paid_on LIKE ? ORDER BY paid_on DESC",
        acct["account_no"],
        f"{year}-%",
    )
    values = {
        "account_no": acct["account_no"],
        "count": len(rows),
        "total": round(sum(r["amount"] for r in rows), 2),
    }
    return answer_rows(values, rows=rows)


def elec_account_info(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    acct = _elec_account(db, s, q)
    if acct is None:
        return answer_none()
    keys = ("account_no", "address", "category", "pricing", "voltage", "meter_no", "opened_on")
    return answer_found({k: acct[k] for k in keys})


# Henan's residential tiers: 2160 and 4200 kWh a year.
TIER1, TIER2 = 2160, 4200


def tiered(db: sqlite3.Connection, s: str, q: dict[str, str], today: date) -> Answer:
    year = str(today.year)
    bills = elec_bills(db, s, {**q, "year": year}, today)
    if "account_no" not in bills["values"]:
        return answer_none()
    used = bills["values"]["total_kwh"]
    tier, left = (
        ("第一档", TIER1 - used)
        if used <= TIER1
        else ("第二档", TIER2 - used)
        if used <= TIER2
        else ("第三档", 0)
    )
    values = {
        "year": year,
        "usage_kwh": used,
        "tier1_limit": TIER1,
        "tier2_limit": TIER2,
        "current_tier": tier,
        "remaining_in_tier": left,
    }
    return answer_found(values)


def elec_derived(db: sqlite3.Connection, s: str, topic: str, today: date) -> Answer | None:
    """Invoices and peak/off-peak figures come from the bills of the last twelve months."""
    acct = _elec_account(db, s, {})
    if acct is None or topic not in ("invoices", "peak_valley"):
        return None
    bills = select_rows(
        db,
        "SELECT month, usage_kwh, peak_kwh, amount FROM elec_bills WHERE "
        "account_no=? ORDER BY month DESC LIMIT 12",
        acct["account_no"],
    )
    if topic == "invoices":
        rows = [
            {
                "month": b["month"],
                "invoice_no": f"2541{b['month'].replace('-', '')}{acct['account_no'][-6:]}",
                "amount": b["amount"],
                "issued_on": f"{b['month']}-28",
            }
            for b in bills
        ]
    else:
        rows = [
            {
                "month": b["month"],
                "peak_kwh": b["peak_kwh"],
                "valley_kwh": b["usage_kwh"] - b["peak_kwh"],
            }
            for b in bills
        ]
    return answer_rows(rows=rows)


# --- any family --------------------------------------------------------------------------------

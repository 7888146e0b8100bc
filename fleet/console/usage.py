"""Usage for the agencies: sessions and certificates per service per day or ISO week, for
all terminals, one group or one terminal; the busiest hours; the same rows as CSV."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.db.models import OutboxEventRow, Terminal, UsageDaily

COUNTERS = ("sessions", "certificates")


@dataclass(frozen=True)
class UsageFilter:
    days: int = 14
    group: str = ""
    terminal: str = ""
    period: str = "day"  # day | week


def period_label(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def rows(session: Session, now: datetime, f: UsageFilter) -> list[dict[str, object]]:
    """One row per period, terminal, service and counter (the CSV's rows)."""
    first = now.date() - timedelta(days=f.days - 1)
    query = (select(UsageDaily.day, UsageDaily.terminal_id, Terminal.group,
                    UsageDaily.service_id, UsageDaily.counter, UsageDaily.count)
             .join(Terminal, Terminal.id == UsageDaily.terminal_id)
             .where(UsageDaily.day >= first))
    if f.group:
        query = query.where(Terminal.group == f.group)
    if f.terminal:
        query = query.where(UsageDaily.terminal_id == f.terminal)
    totals: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
    for day, terminal_id, group, service, counter, count in session.execute(query):
        totals[(period_label(day, f.period), terminal_id, group, service, counter)] += count
    return [{"period": k[0], "terminal": k[1], "group": k[2], "service": k[3],
             "counter": k[4], "count": v} for k, v in sorted(totals.items())]


def by_service(table: list[dict[str, object]]) -> list[tuple[str, int, int]]:
    """(service, sessions, certificates), busiest first."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in table:
        if row["counter"] in COUNTERS:
            sums[str(row["service"])][COUNTERS.index(str(row["counter"]))] += int(
                row["count"])  # type: ignore[call-overload]
    return sorted(((s, v[0], v[1]) for s, v in sums.items()), key=lambda x: (-x[1], x[0]))


def by_period(table: list[dict[str, object]], counter: str) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for row in table:
        if row["counter"] == counter:
            sums[str(row["period"])] += int(row["count"])  # type: ignore[call-overload]
    return dict(sorted(sums.items()))


def busiest_hours(session: Session, now: datetime, f: UsageFilter) -> list[int]:
    """Sessions started in each hour of the day (UTC) over the window, from the ledger."""
    query = (select(OutboxEventRow.occurred_at, OutboxEventRow.payload)
             .where(OutboxEventRow.kind == "usage",
                    OutboxEventRow.occurred_at >= now - timedelta(days=f.days)))
    if f.group:
        query = query.join(Terminal, Terminal.id == OutboxEventRow.terminal_id).where(
            Terminal.group == f.group)
    if f.terminal:
        query = query.where(OutboxEventRow.terminal_id == f.terminal)
    hours = [0] * 24
    for when, payload in session.execute(query):
        if payload.get("counter") == "sessions":
            hours[when.hour] += int(payload.get("delta", 1))
    return hours


def to_csv(table: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["period", "terminal", "group", "service",
                                             "counter", "count"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()

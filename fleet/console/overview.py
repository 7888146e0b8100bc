"""What the terminals pages show, read from the database in a few set-based queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.console.models import Alert
from fleet.db.models import Terminal, TerminalStatus
from fleet.liveness import fleet_state

STATE_ORDER = {"offline": 0, "out_of_service": 1, "in_service": 2, "not_enrolled": 3,
               "revoked": 4}


@dataclass(frozen=True)
class TerminalRow:
    id: str
    group: str
    state: str
    reason: str
    last_seen_at: datetime | None
    paper: str
    open_alerts: int
    config_hash: str
    app_version: str
    outbox_length: int


def printer_paper(devices: list[Any] | None) -> str:
    """The main printer's paper, or "" for a terminal without one (pure)."""
    for device in devices or []:
        if device.get("device") == "printer" and device.get("paper"):
            return str(device["paper"])
    return ""


def printer_info(devices: list[Any] | None) -> dict[str, str]:
    for device in devices or []:
        if device.get("device") == "printer":
            return dict(device.get("info") or {})
    return {}


def open_alert_counts(session: Session) -> dict[str, int]:
    return dict(session.execute(
        select(Alert.terminal_id, func.count())
        .where(Alert.fired_at.is_not(None), Alert.closed_at.is_(None))
        .group_by(Alert.terminal_id)
    ).all())


def terminal_rows(session: Session, now: datetime, group: str = "") -> list[TerminalRow]:
    """Every terminal, worst first (offline, out of service, then the rest), by id."""
    t, s = Terminal.__table__, TerminalStatus.__table__
    query = select(t.c.id, t.c.group, t.c.enrolled_at, t.c.revoked_at, s.c.last_seen_at,
                   s.c.interval_s, s.c.state, s.c.reason, s.c.devices, s.c.config_hash,
                   s.c.app_version, s.c.outbox_length).outerjoin(s, s.c.terminal_id == t.c.id)
    if group:
        query = query.where(t.c.group == group)
    alerts = open_alert_counts(session)
    rows = []
    for r in session.execute(query):
        state = fleet_state(now=now, enrolled=r.enrolled_at is not None,
                            revoked=r.revoked_at is not None, last_seen_at=r.last_seen_at,
                            interval_s=r.interval_s, reported_state=r.state)
        rows.append(TerminalRow(
            id=r.id, group=r.group, state=state,
            reason=r.reason or "" if state == "out_of_service" else "",
            last_seen_at=r.last_seen_at, paper=printer_paper(r.devices),
            open_alerts=alerts.get(r.id, 0), config_hash=r.config_hash or "",
            app_version=r.app_version or "", outbox_length=r.outbox_length or 0))
    rows.sort(key=lambda row: (STATE_ORDER.get(row.state, 9), -row.open_alerts, row.id))
    return rows


def state_counts(rows: list[TerminalRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATE_ORDER, 0)
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def week_ago(now: datetime) -> datetime:
    return now - timedelta(days=7)

"""One terminal's page: its status, devices and their history, today's sessions, the last
errors (device faults and failed steps, never a citizen's data), the configuration in force
and the paper forecast."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import config_store
from fleet.console import forecast
from fleet.console.models import Alert, RemoteAction
from fleet.console.overview import day_start, printer_info, printer_paper
from fleet.db.models import OutboxEventRow, Terminal, TerminalStatus, UsageDaily
from fleet.liveness import fleet_state
from fleet.protocol import config_hash

FORECAST_DAYS = 7


@dataclass
class TerminalPage:
    terminal: Terminal
    status: TerminalStatus | None
    state: str
    devices: list[dict[str, Any]]
    device_history: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    sessions_today: int
    certificates_today: int
    document: dict[str, Any]
    wanted_hash: str
    applied: bool
    paper_runs_out: datetime | None
    forecast_known: bool
    alerts: list[Alert] = field(default_factory=list)
    actions: list[RemoteAction] = field(default_factory=list)


def _events(session: Session, terminal_id: str, kinds: tuple[str, ...], limit: int
            ) -> list[OutboxEventRow]:
    return list(session.scalars(
        select(OutboxEventRow)
        .where(OutboxEventRow.terminal_id == terminal_id, OutboxEventRow.kind.in_(kinds))
        .order_by(OutboxEventRow.seq.desc()).limit(limit)))


def _is_fault(status: dict[str, Any]) -> bool:
    return (status.get("state") not in ("online", "busy", "starting")
            or status.get("paper") in ("out", "jammed"))


def printed_by_hour(session: Session, terminal_id: str, now: datetime
                    ) -> list[tuple[datetime, int]]:
    """Certificates printed over the past FORECAST_DAYS days, from the event ledger."""
    rows = session.execute(
        select(OutboxEventRow.occurred_at, OutboxEventRow.payload)
        .where(OutboxEventRow.terminal_id == terminal_id, OutboxEventRow.kind == "usage",
               OutboxEventRow.occurred_at >= now - timedelta(days=FORECAST_DAYS)))
    return [(when, int(p.get("delta", 1))) for when, p in rows
            if p.get("counter") == "certificates"]


def terminal_page(session: Session, terminal_id: str, now: datetime,
                  default_interval_s: float) -> TerminalPage | None:
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        return None
    status = session.get(TerminalStatus, terminal_id)
    state = fleet_state(now=now, enrolled=terminal.enrolled_at is not None,
                        revoked=terminal.revoked_at is not None,
                        last_seen_at=status.last_seen_at if status else None,
                        interval_s=status.interval_s if status else None,
                        reported_state=status.state if status else None)
    history = []
    errors = []
    for event in _events(session, terminal_id, ("device", "audit"), 200):
        if event.kind == "device":
            device = event.payload.get("status", {})
            line = {"at": event.occurred_at, "device": device.get("device", ""),
                    "state": device.get("state", ""), "paper": device.get("paper") or "",
                    "detail": device.get("detail", "")}
            if len(history) < 20:
                history.append(line)
            if _is_fault(device) and len(errors) < 10:
                errors.append(line)
        elif event.payload.get("outcome") not in ("ok", "") and len(errors) < 10:
            # An audit line: what failed, never whose (the masked ID stays out of the page).
            errors.append({"at": event.occurred_at, "device": "",
                           "state": event.payload.get("action", ""),
                           "paper": "", "detail": event.payload.get("outcome", "")})
    today = dict(session.execute(
        select(UsageDaily.counter, func.sum(UsageDaily.count))
        .where(UsageDaily.terminal_id == terminal_id, UsageDaily.day == day_start(now).date())
        .group_by(UsageDaily.counter)).all())
    document, _, _ = config_store.merged_document(session, terminal.group, terminal.id,
                                                  default_interval_s)
    wanted = config_hash(document)
    devices = list(status.devices) if status else []
    left = forecast.sheets_left(printer_paper(devices), printer_info(devices))
    runs_out = None
    if left is not None:
        profile = forecast.hourly_profile(printed_by_hour(session, terminal_id, now),
                                          FORECAST_DAYS)
        runs_out = forecast.runs_out_at(now, left, profile)
    alerts = list(session.scalars(
        select(Alert).where(Alert.terminal_id == terminal_id, Alert.fired_at.is_not(None))
        .order_by(Alert.id.desc()).limit(20)))
    actions = list(session.scalars(
        select(RemoteAction).where(RemoteAction.terminal_id == terminal_id)
        .order_by(RemoteAction.id.desc()).limit(10)))
    return TerminalPage(
        terminal=terminal, status=status, state=state, devices=devices,
        device_history=history, errors=errors,
        sessions_today=int(today.get("sessions", 0)),
        certificates_today=int(today.get("certificates", 0)),
        document=document.model_dump(mode="json"), wanted_hash=wanted,
        applied=bool(status) and status.config_hash == wanted,
        paper_runs_out=runs_out, forecast_known=left is not None, alerts=alerts,
        actions=actions)

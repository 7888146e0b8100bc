"""The commands of fleet-admin: terminals, configuration, certificates, usage."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import config_store, registry
from fleet.credentials import digest, new_token
from fleet.db.models import Terminal, TerminalStatus, UsageDaily
from fleet.liveness import fleet_state


class AdminError(Exception):
    """One line for the operator: what is wrong and what to do."""


def add_terminal(session: Session, terminal_id: str, group: str, now: datetime,
                 ttl_h: float) -> str:
    """Create a terminal and return its one-time enrolment token (shown once)."""
    if session.get(Terminal, terminal_id) is not None:
        raise AdminError(f"terminal {terminal_id} exists; 'fleet-admin terminal token "
                         f"{terminal_id}' issues a new enrolment token")
    token = new_token()
    session.add(Terminal(id=terminal_id, group=group, created_at=now, token_hash=digest(token),
                         token_expires_at=now + timedelta(hours=ttl_h), last_seq=0))
    session.commit()
    return token


def reissue_token(session: Session, terminal_id: str, now: datetime, ttl_h: float) -> str:
    """A new token for a reinstalled terminal; its old secret works until it enrols again."""
    terminal = _terminal(session, terminal_id)
    if terminal.revoked_at is not None:
        raise AdminError(f"terminal {terminal_id} is revoked; add it under a new id")
    token = new_token()
    terminal.token_hash = digest(token)
    terminal.token_expires_at = now + timedelta(hours=ttl_h)
    session.commit()
    return token


def revoke_terminal(session: Session, terminal_id: str, reason: str, now: datetime) -> None:
    terminal = _terminal(session, terminal_id)
    terminal.revoked_at = terminal.revoked_at or now
    terminal.revoked_reason = reason[:200]
    terminal.secret_hash = None
    terminal.token_hash = None
    session.commit()


def _terminal(session: Session, terminal_id: str) -> Terminal:
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        raise AdminError(f"no terminal {terminal_id}; 'fleet-admin terminal list' shows them")
    return terminal


def list_terminals(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Terminal, TerminalStatus)
        .outerjoin(TerminalStatus, TerminalStatus.terminal_id == Terminal.id)
        .order_by(Terminal.id)
    ).all()
    out = []
    for terminal, status in rows:
        state = fleet_state(
            now=now, enrolled=terminal.enrolled_at is not None,
            revoked=terminal.revoked_at is not None,
            last_seen_at=status.last_seen_at if status else None,
            interval_s=status.interval_s if status else None,
            reported_state=status.state if status else None,
        )
        out.append({
            "id": terminal.id,
            "group": terminal.group,
            "state": state,
            "reason": status.reason if status else "",
            "last_seen_at": status.last_seen_at.isoformat() if status else None,
            "app_version": status.app_version if status else "",
            "outbox_length": status.outbox_length if status else 0,
            "last_seq": terminal.last_seq,
            "config_hash": status.config_hash if status else "",
        })
    return out


def set_config(session: Session, scope: str, name: str, key: str, text: str | None,
               actor: str, now: datetime) -> None:
    if scope == "terminal":
        _terminal(session, name)
    value = None if text is None else config_store.parse_value(key, text)
    config_store.change_setting(session, scope=scope, name=name, key=key, value=value,
                                actor=actor, now=now)
    session.commit()


def show_config(session: Session, terminal_id: str, default_interval_s: float
                ) -> dict[str, Any]:
    from fleet.protocol import config_hash

    terminal = _terminal(session, terminal_id)
    document, revision, changed_at = config_store.merged_document(
        session, terminal.group, terminal.id, default_interval_s)
    return {"terminal_id": terminal.id, "group": terminal.group, "revision": revision,
            "hash": config_hash(document), "changed_at": changed_at and changed_at.isoformat(),
            "document": document.model_dump(mode="json")}


def config_history(session: Session, limit: int) -> list[dict[str, Any]]:
    return [
        {"at": c.at.isoformat(), "by": c.actor, "scope": c.scope, "name": c.name, "key": c.key,
         "old": c.old, "new": c.new}
        for c in config_store.history(session, limit)
    ]


def revoke_certificate(session: Session, code: str, reason: str, actor: str,
                       now: datetime) -> None:
    if not registry.revoke(session, code, reason=reason, actor=actor, now=now):
        raise AdminError(f"no certificate {code} in the central registry")
    session.commit()


def show_certificate(session: Session, code: str) -> dict[str, Any]:
    found = registry.lookup(session, code)
    if found is None:
        raise AdminError(f"no certificate {code} in the central registry")
    data = found.model_dump(mode="json")
    data["entry"].pop("holder_id_hash", None)  # nobody at a desk needs it
    return data


def usage(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(UsageDaily.service_id, UsageDaily.counter, func.sum(UsageDaily.count))
        .group_by(UsageDaily.service_id, UsageDaily.counter)
        .order_by(UsageDaily.service_id, UsageDaily.counter)
    ).all()
    return [{"service_id": s, "counter": c, "count": int(n)} for s, c, n in rows]


def list_alerts(session: Session, terminal_id: str | None, include_closed: bool,
                limit: int = 100) -> list[dict[str, Any]]:
    """Fired alerts, the open ones (newest first); with `include_closed` the closed too."""
    from fleet.console.models import Alert

    query = select(Alert).where(Alert.fired_at.is_not(None))
    if terminal_id:
        query = query.where(Alert.terminal_id == terminal_id)
    if not include_closed:
        query = query.where(Alert.closed_at.is_(None))
    rows = session.scalars(query.order_by(Alert.fired_at.desc(), Alert.id.desc()).limit(limit))
    return [{"id": a.id, "terminal_id": a.terminal_id, "rule": a.rule, "severity": a.severity,
             "detail": a.detail, "fired_at": a.fired_at.isoformat() if a.fired_at else None,
             "closed_at": a.closed_at.isoformat() if a.closed_at else None,
             "acked_by": a.acked_by or None,
             "acked_at": a.acked_at.isoformat() if a.acked_at else None,
             "ack_reason": a.ack_reason or None}
            for a in rows]


def acknowledge_alert(session: Session, alert_id: int, actor: str, now: datetime,
                      reason: str = "") -> None:
    from fleet.console.alerts import ReasonRequired, acknowledge

    try:
        done = acknowledge(session, alert_id, actor, now, reason)
    except ReasonRequired as exc:
        raise AdminError(f"{exc}: add --reason '...'") from exc
    if not done:
        raise AdminError(f"no fired alert {alert_id}; 'fleet-admin alert list' shows them")
    session.commit()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)

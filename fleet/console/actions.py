"""Remote actions: queued centrally by an operator, handed to the terminal in every heartbeat
answer until it reports them done, so a lost answer only delays an action. The terminal runs
an action at its attract screen only (never in a citizen's session) and keeps the ids it has
run, so an action handed over twice runs once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from fleet.console.auth import record
from fleet.console.models import RemoteAction
from fleet.db.models import Terminal
from fleet.protocol import REMOTE_ACTIONS, ActionResult, RemoteActionOrder

_TABLE = RemoteAction.__table__


class ActionError(ValueError):
    """Not an action a terminal knows, or no such terminal."""


def queue(session: Session, terminal_id: str, action: str, actor: str, now: datetime
          ) -> RemoteAction:
    """Queue one action (the caller commits)."""
    if action not in REMOTE_ACTIONS:
        raise ActionError(f"unknown action {action!r}; one of {', '.join(REMOTE_ACTIONS)}")
    if session.get(Terminal, terminal_id) is None:
        raise ActionError(f"no terminal {terminal_id}")
    row = RemoteAction(terminal_id=terminal_id, action=action, requested_at=now,
                       requested_by=actor, outcome="", detail="")
    session.add(row)
    record(session, now, actor, "action." + action, terminal_id)
    return row


def exchange(connection: Connection, terminal_id: str, done: list[ActionResult],
             now: datetime) -> list[RemoteActionOrder]:
    """In a heartbeat's transaction: record what the terminal reports done, and return what
    is still to do (marking when it was first handed over)."""
    for result in done:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.id == result.id, _TABLE.c.terminal_id == terminal_id,
                   _TABLE.c.done_at.is_(None))
            .values(done_at=now, outcome=result.outcome, detail=result.detail[:200]))
    rows = connection.execute(
        select(_TABLE.c.id, _TABLE.c.action)
        .where(_TABLE.c.terminal_id == terminal_id, _TABLE.c.done_at.is_(None))
        .order_by(_TABLE.c.id)).all()
    if rows:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_([r.id for r in rows]), _TABLE.c.delivered_at.is_(None))
            .values(delivered_at=now))
    return [RemoteActionOrder(id=r.id, action=r.action) for r in rows]

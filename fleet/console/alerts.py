"""The alert evaluator: rules applied to every terminal, alerts opened, fired, closed, and
delivered by webhook.

`evaluate()` runs on a timer in the application (AlertLoop) and in tests by hand with the
test's clock. With several server processes, a PostgreSQL advisory lock lets one evaluate
(and deliver) at a time. Delivery happens after the commit, outside any transaction: a POST
with a few quick retries, and an alert not delivered is tried again at the next evaluation (up to
MAX_DELIVERY_ATTEMPTS), so a receiver down for a minute still hears of it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fleet.console import rules
from fleet.console.auth import record
from fleet.console.models import Alert
from fleet.db.models import Terminal, TerminalStatus

log = logging.getLogger(__name__)
MAX_DELIVERY_ATTEMPTS = 20
_LOCK_KEY = 0x666C656574_616C72  # "fleetalr"


def snapshots(session: Session) -> list[rules.Snapshot]:
    rows = session.execute(
        select(Terminal.id, TerminalStatus)
        .outerjoin(TerminalStatus, TerminalStatus.terminal_id == Terminal.id)
        .where(Terminal.enrolled_at.is_not(None), Terminal.revoked_at.is_(None)))
    return [
        rules.Snapshot(terminal_id=tid, last_seen_at=s.last_seen_at if s else None,
                       reported_state=s.state if s else "", reason=s.reason if s else "",
                       devices=list(s.devices) if s else [],
                       outbox_oldest_at=s.outbox_oldest_at if s else None,
                       staff_call=bool(s.staff_call) if s else False)
        for tid, s in rows
    ]


class AlertEngine:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime],
                 webhook_url: str = "", console_url: str = "",
                 retries: int = 3, backoff_s: float = 0.5) -> None:
        self.sessions = sessions
        self.clock = clock
        self.webhook_url = webhook_url
        self.console_url = console_url
        self.retries = retries
        self.backoff_s = backoff_s

    def evaluate(self) -> None:
        """Apply the rules, then deliver. On PostgreSQL a session-level advisory lock, held on
        a connection of its own through both steps, keeps other server processes out, so no
        alert is opened or POSTed twice."""
        with self.sessions() as guard:
            postgres = guard.get_bind().dialect.name == "postgresql"
            if postgres and not guard.scalar(select(func.pg_try_advisory_lock(_LOCK_KEY))):
                return  # another process is at it
            try:
                now = self.clock()
                with self.sessions() as session:
                    self._apply(session, now)
                    session.commit()
                if self.webhook_url:
                    self.deliver()
            finally:
                if postgres:
                    guard.scalar(select(func.pg_advisory_unlock(_LOCK_KEY)))
                    guard.commit()

    def _apply(self, session: Session, now: datetime) -> None:
        open_rows = {(a.terminal_id, a.rule): a for a in session.scalars(
            select(Alert).where(Alert.closed_at.is_(None)))}
        seen = set()
        for snap in snapshots(session):
            for condition in rules.conditions(snap, now):
                key = (snap.terminal_id, condition.rule)
                seen.add(key)
                alert = open_rows.get(key)
                if alert is None:
                    alert = Alert(terminal_id=snap.terminal_id, rule=condition.rule,
                                  severity=condition.severity, detail=condition.detail,
                                  first_seen_at=condition.since or now, acked_by="",
                                  delivery_attempts=0, delivery_error="")
                    session.add(alert)
                alert.detail = condition.detail
                since = condition.since or alert.first_seen_at
                if alert.fired_at is None and now - since >= condition.delay:
                    alert.fired_at = now
        for key, alert in open_rows.items():
            if key in seen or alert.rule in rules.EVENT_RULES:
                continue
            if alert.fired_at is None:
                session.delete(alert)  # gone before it was worth telling anyone
            else:
                alert.closed_at = now

    def deliver(self) -> None:
        with self.sessions() as session:
            waiting = list(session.scalars(
                select(Alert).where(Alert.fired_at.is_not(None), Alert.delivered_at.is_(None),
                                    Alert.delivery_attempts < MAX_DELIVERY_ATTEMPTS)
                .order_by(Alert.id).limit(100)))
            session.expunge_all()
        for alert in waiting:
            attempts, error = self._post(alert)
            with self.sessions() as session:
                row = session.get(Alert, alert.id)
                if row is None:
                    continue
                row.delivery_attempts += attempts
                row.delivery_error = error[:200]
                if not error:
                    row.delivered_at = self.clock()
                session.commit()

    def _post(self, alert: Alert) -> tuple[int, str]:
        body = {"id": alert.id, "terminal_id": alert.terminal_id, "rule": alert.rule,
                "severity": alert.severity, "detail": alert.detail,
                "fired_at": alert.fired_at.isoformat() if alert.fired_at else None,
                "closed": alert.closed_at is not None,
                "url": f"{self.console_url.rstrip('/')}/console/terminals/{alert.terminal_id}"
                if self.console_url else ""}
        error = ""
        for attempt in range(1, self.retries + 1):
            try:
                answer = httpx.post(self.webhook_url, json=body, timeout=5)
                if answer.status_code < 300:
                    return attempt, ""
                error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt < self.retries:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
        log.warning("alert %s not delivered: %s", alert.id, error)
        return self.retries, error or "not delivered"


class ReasonRequired(ValueError):
    """Accepting a rewritten audit log needs a written reason."""


def needs_admin(rule: str) -> bool:
    """Acknowledging an audit alert accepts the terminal's new chain as its log: an admin's
    decision, not an operator's."""
    return rule == rules.AUDIT_REWRITTEN


def acknowledge(session: Session, alert_id: int, actor: str, now: datetime,
                reason: str = "") -> bool:
    """Mark an alert seen by `actor` (False when there is no such fired alert). An alert of
    an event (rules.EVENT_RULES) has no condition that passes: acknowledging closes it. An
    audit alert needs `reason` (ReasonRequired), kept with the acknowledgement. The caller
    commits."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.fired_at is None:
        return False
    reason = " ".join(reason.split())[:200]
    if alert.acked_at is None:
        if needs_admin(alert.rule) and not reason:
            raise ReasonRequired("accepting a rewritten audit log needs a written reason")
        alert.acked_at = now
        alert.acked_by = actor
        alert.ack_reason = reason
        record(session, now, actor, "alert.ack", alert.terminal_id,
               f"{alert.rule}: {reason}" if reason else alert.rule)
    if alert.rule in rules.EVENT_RULES and alert.closed_at is None:
        alert.closed_at = now
    return True


class AlertLoop:
    """Runs `engine.evaluate` every `interval_s` in a worker thread, for the app's lifetime."""

    def __init__(self, engine: AlertEngine, interval_s: float) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)  # first after one interval: a short-lived
            try:                                  # app (a test, a CLI) never evaluates
                await asyncio.to_thread(self.engine.evaluate)
                self.runs += 1
            except Exception:  # a bad moment must not end the alerts for good
                log.exception("alert evaluation failed")

    def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

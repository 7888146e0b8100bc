"""Alerts: the open ones first, then the history; acknowledging one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fleet.console import alerts as engine
from fleet.console.models import Alert
from fleet.console.web import PREFIX, User, clock, render, require, safe_next

router = APIRouter()


@router.get(PREFIX + "/alerts")
def alerts(request: Request, user: User, terminal: str = "") -> Response:
    now = clock(request)
    query = select(Alert).where(Alert.fired_at.is_not(None))
    if terminal:
        query = query.where(Alert.terminal_id == terminal)
    with request.app.state.sessions() as session:
        open_alerts = list(session.scalars(
            query.where(Alert.closed_at.is_(None)).order_by(Alert.fired_at.desc())))
        closed = list(session.scalars(
            query.where(Alert.closed_at.is_not(None)).order_by(Alert.closed_at.desc())
            .limit(100)))
    return render(request, "alerts.html", title="Alerts", user=user, open_alerts=open_alerts,
                  closed=closed, terminal=terminal, now=now, refresh=30,
                  webhook=bool(request.app.state.settings.alert_webhook_url))


@router.post(PREFIX + "/alerts/{alert_id}/ack")
def acknowledge(request: Request, alert_id: int, user: User,
                csrf: Annotated[str, Form()] = "",
                reason: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = PREFIX + "/alerts") -> Response:
    require(user, "operator", csrf)
    with request.app.state.sessions() as session:
        alert = session.get(Alert, alert_id)
        if alert is not None and engine.needs_admin(alert.rule):
            require(user, "admin", csrf)
        try:
            if not engine.acknowledge(session, alert_id, user.name, clock(request), reason):
                raise HTTPException(404, "no such alert")
        except engine.ReasonRequired as exc:
            raise HTTPException(400, f"{exc}; go back and write why") from exc
        session.commit()
    return RedirectResponse(safe_next(next), status_code=303)

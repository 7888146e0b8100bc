"""The terminals at a glance, one terminal's page, and queuing a remote action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fleet.console import actions, overview
from fleet.console.detail import terminal_page
from fleet.console.web import PREFIX, User, clock, render, require
from fleet.db.models import Terminal

router = APIRouter()
REFRESH_S = 30  # the overview reloads itself: a wall screen stays current without script


@router.get(PREFIX + "/")
def terminals(request: Request, user: User, group: str = "") -> Response:
    now = clock(request)
    with request.app.state.sessions() as session:
        rows = overview.terminal_rows(session, now, group)
        groups = list(session.scalars(select(Terminal.group).distinct().order_by(Terminal.group)))
    return render(request, "overview.html", title="Terminals", user=user, rows=rows,
                  counts=overview.state_counts(rows), groups=groups, group=group, now=now,
                  refresh=REFRESH_S)


@router.get(PREFIX + "/terminals/{terminal_id}")
def terminal(request: Request, terminal_id: str, user: User) -> Response:
    now = clock(request)
    with request.app.state.sessions() as session:
        page = terminal_page(session, terminal_id, now,
                             request.app.state.settings.heartbeat_interval_s)
        if page is None:
            return render(request, "error.html", status=404, title="Page not found.",
                          user=user)
        return render(request, "terminal.html", title=terminal_id, user=user, page=page,
                      alerts=page.alerts, now=now)


@router.post(PREFIX + "/terminals/{terminal_id}/actions")
def queue_action(request: Request, terminal_id: str, user: User,
                 action: Annotated[str, Form()], csrf: Annotated[str, Form()] = ""
                 ) -> Response:
    require(user, "operator", csrf)
    with request.app.state.sessions() as session:
        try:
            actions.queue(session, terminal_id, action, user.name, clock(request))
        except actions.ActionError as exc:
            raise HTTPException(400, str(exc)) from None
        session.commit()
    return RedirectResponse(f"{PREFIX}/terminals/{terminal_id}", status_code=303)

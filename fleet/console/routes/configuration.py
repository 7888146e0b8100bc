"""Configuration: switch a service, set opening hours or a notice, for a group or a terminal;
recent changes with the terminals that have applied them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fleet import admin, config_store
from fleet.console import configuration
from fleet.console.web import PREFIX, User, clock, render, require
from fleet.db.models import Terminal, UsageDaily

router = APIRouter()


def _page(request: Request, user: User, error: str = "", status: int = 200,
          message: str = "") -> Response:
    interval = request.app.state.settings.heartbeat_interval_s
    with request.app.state.sessions() as session:
        changes = configuration.recent_changes(session, interval)
        layers = configuration.layers(session)
        groups = list(session.scalars(select(Terminal.group).distinct().order_by(Terminal.group)))
        terminals = list(session.scalars(select(Terminal.id).order_by(Terminal.id)))
        services = sorted(set(session.scalars(select(UsageDaily.service_id).distinct()))
                          | {k for layer in layers for k in layer.values.get("services", {})})
    return render(request, "config.html", status=status, title="Configuration", user=user,
                  changes=changes, layers=layers, groups=groups, terminals=terminals,
                  services=services, error=error, message=message, now=clock(request))


@router.get(PREFIX + "/config")
def config_page(request: Request, user: User, saved: int = 0) -> Response:
    return _page(request, user, message="Saved." if saved else "")


@router.post(PREFIX + "/config")
def change(request: Request, user: User, scope: Annotated[str, Form()],
           name: Annotated[str, Form()], setting: Annotated[str, Form()],
           csrf: Annotated[str, Form()] = "", service: Annotated[str, Form()] = "",
           switch: Annotated[str, Form()] = "", value: Annotated[str, Form()] = "",
           notice_zh: Annotated[str, Form()] = "", notice_en: Annotated[str, Form()] = ""
           ) -> Response:
    require(user, "operator", csrf)
    if setting == "service":
        key, text = config_store.SERVICE_PREFIX + service.strip(), switch
    elif setting == "notices":
        key = "notices"
        text = f"{notice_zh.strip()}|{notice_en.strip()}" if notice_zh.strip() else ""
    else:
        key, text = setting, value
    with request.app.state.sessions() as session:
        try:
            unset = setting != "notices" and text.strip() == "" or switch == "inherit"
            admin.set_config(session, scope, name.strip(), key, None if unset else text,
                             user.name, clock(request))
        except (config_store.ConfigInputError, admin.AdminError) as exc:
            session.rollback()
            return _page(request, user, error=str(exc), status=400)
    return RedirectResponse(PREFIX + "/config?saved=1", status_code=303)

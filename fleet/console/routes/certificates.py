"""Certificates: look one up by its verification code (masked data only) and revoke it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fleet import registry
from fleet.console.auth import record
from fleet.console.web import PREFIX, User, clock, render, require
from printing.codes import InvalidVerificationCode, normalize_code

router = APIRouter()


def _page(request: Request, user: User, code: str, error: str = "", status: int = 200,
          message: str = "") -> Response:
    found = None
    grouped = ""
    if code.strip():
        try:
            grouped = normalize_code(code)
        except InvalidVerificationCode as exc:
            error = exc.message_zh + " " + exc.message_en
            status = 400
        else:
            with request.app.state.engine.connect() as connection:
                found = registry.lookup(connection, grouped)
            if found is None:
                error, status = "No certificate with this code.", 404
    return render(request, "certificates.html", status=status, title="Certificates",
                  user=user, code=grouped or code, found=found, error=error, message=message,
                  now=clock(request))


@router.get(PREFIX + "/certificates")
def certificates(request: Request, user: User, code: str = "", saved: int = 0) -> Response:
    return _page(request, user, code, message="Saved." if saved else "")


@router.post(PREFIX + "/certificates/revoke")
def revoke(request: Request, user: User, code: Annotated[str, Form()],
           reason: Annotated[str, Form()], csrf: Annotated[str, Form()] = "") -> Response:
    require(user, "admin", csrf)
    if not reason.strip():
        return _page(request, user, code, error="Reason", status=400)
    try:
        grouped = normalize_code(code)
    except InvalidVerificationCode:
        return _page(request, user, code)
    now = clock(request)
    with request.app.state.sessions() as session:
        if not registry.revoke(session, grouped, reason=reason.strip(), actor=user.name,
                               now=now):
            return _page(request, user, code)
        record(session, now, user.name, "certificate.revoke", grouped, reason.strip())
        session.commit()
    return RedirectResponse(f"{PREFIX}/certificates?code={grouped}&saved=1", status_code=303)

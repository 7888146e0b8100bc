"""Signing in and out, the language switch, the style sheet, and `/` (the console's door)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fleet.console import auth
from fleet.console.i18n import LANGUAGES, translate
from fleet.console.web import (
    COOKIE,
    HERE,
    LANG_COOKIE,
    PREFIX,
    clock,
    language,
    optional_user,
    render,
    safe_next,
)

router = APIRouter()
PRE_COOKIE = "fleet_console_pre"  # the login form's CSRF token, before there is a session
_CSS = (HERE / "static" / "console.css").read_bytes()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse(PREFIX + "/", status_code=303)


@router.get(PREFIX + "/static/console.css")
def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get(PREFIX + "/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = PREFIX + "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict",
                            secure=_secure(request), httponly=True)
    return response


def _login_page(request: Request, next: str, name: str = "", error: str = "",
                status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status=status, title="Sign in", user=None,
                      csrf=token, next=safe_next(next), name=name, error=error)
    response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), path=PREFIX + "/login")
    return response


@router.get(PREFIX + "/login")
def login_form(request: Request, next: str = PREFIX + "/") -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post(PREFIX + "/login")
def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = PREFIX + "/"
          ) -> Response:
    lang = language(request)
    if not auth.csrf_matches(request.cookies.get(PRE_COOKIE, ""), csrf):
        return _login_page(request, next, name, translate("Wrong name or password.", lang), 403)
    with request.app.state.sessions() as session:
        try:
            token = auth.login(session, name.strip(), password, clock(request))
        except auth.AuthError as exc:
            text = ("Too many wrong passwords: this account is locked for 15 minutes."
                    if str(exc) == "locked" else "Wrong name or password.")
            return _login_page(request, next, name, translate(text, lang), 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), path=PREFIX)
    response.delete_cookie(PRE_COOKIE, path=PREFIX + "/login")
    return response


@router.post(PREFIX + "/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    user = optional_user(request)
    if user is not None and auth.csrf_matches(user.csrf, csrf):
        with request.app.state.sessions() as session:
            auth.logout(session, request.cookies.get(COOKIE, ""), clock(request))
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response

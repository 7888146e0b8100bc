"""What every console page shares: templates (autoescaped), language, the signed-in user,
CSRF checks, and the headers of an HTML answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fleet.console import auth
from fleet.console.i18n import LANGUAGES, translate

HERE = Path(__file__).resolve().parent
COOKIE = "fleet_console"
LANG_COOKIE = "fleet_console_lang"
PREFIX = "/console"
# Nothing from elsewhere, no script at all, forms post only here.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")

_ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGUAGES else "zh"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Times are shown in UTC, named as such: the centre serves terminals in one city, and
    the same clock on every page beats a browser's guess."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime(fmt)


def plain_json(value: Any) -> str:
    """A setting as JSON, Chinese left readable (the template escapes it)."""
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_ENV.filters["when"] = local_time
_ENV.filters["plainjson"] = plain_json


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    body = _ENV.get_template(template).render(
        t=lambda text: translate(text, lang), lang=lang, path=request.url.path,
        here=quote(str(request.url.path)), **context)
    return html(body, status)


def html(body: str, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def clock(request: Request) -> datetime:
    moment: datetime = request.app.state.clock()
    return moment


def optional_user(request: Request) -> auth.SignedIn | None:
    with request.app.state.sessions() as session:
        return auth.signed_in(session, request.cookies.get(COOKIE, ""), clock(request))


def current_user(request: Request) -> auth.SignedIn:
    """The signed-in user; anyone else is sent to the login page (and back afterwards)."""
    user = optional_user(request)
    if user is None:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query
                                           else ""))
        raise HTTPException(303, headers={"Location": f"{PREFIX}/login?next={target}"})
    return user


User = Annotated[auth.SignedIn, Depends(current_user)]


def require(user: auth.SignedIn, role: str, csrf: str) -> None:
    """A change: the form's CSRF token must be the session's, the role high enough."""
    if not auth.csrf_matches(user.csrf, csrf):
        raise HTTPException(403, "the form is stale or came from elsewhere; reload the page")
    if not user.may(role):
        raise HTTPException(403, f"this needs the {role} role")


def safe_next(target: str) -> str:
    """Only a path of the console itself: never an open redirect."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/"


def install_error_pages(app: Any) -> None:
    """A refused or malformed console request gets a page in the user's language, not a
    JSON body; every other path keeps FastAPI's own answers."""
    from fastapi.exception_handlers import (
        http_exception_handler,
        request_validation_exception_handler,
    )
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def _page(request: Request, status: int, text: str) -> HTMLResponse:
        return render(request, "error.html", status=status, title=text,
                      user=optional_user(request))

    async def on_http(request: Request, exc: StarletteHTTPException) -> Any:
        if not request.url.path.startswith(PREFIX) or 300 <= exc.status_code < 400:
            return await http_exception_handler(request, exc)
        return _page(request, exc.status_code, str(exc.detail))

    async def on_invalid(request: Request, exc: RequestValidationError) -> Any:
        if not request.url.path.startswith(PREFIX):
            return await request_validation_exception_handler(request, exc)
        return _page(request, 400, "The form is incomplete; go back and fill in every field.")

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)

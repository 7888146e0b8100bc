"""What the routes share: the session factory, the clock, and the terminal's identity.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in a
worker thread, and those hops cost more than the work on the heartbeat path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fleet.credentials import matches
from fleet.db.models import Terminal
from fleet.protocol import TERMINAL_ID_PATTERN
from fleet.settings import FleetSettings

M = TypeVar("M", bound=BaseModel)
_TERMINAL_ID = re.compile(TERMINAL_ID_PATTERN)


async def sessions(request: Request) -> sessionmaker[Session]:
    """Handlers open (and close) their session in their own thread. Not a yield dependency:
    FastAPI would run its exit in another pool thread, and with every thread waiting for a
    connection, the ones that would return connections never run."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def now(request: Request) -> datetime:
    moment: datetime = request.app.state.clock()
    return moment


async def settings(request: Request) -> FleetSettings:
    value: FleetSettings = request.app.state.settings
    return value


Sessions = Annotated[sessionmaker[Session], Depends(sessions)]
Now = Annotated[datetime, Depends(now)]
Settings = Annotated[FleetSettings, Depends(settings)]


@dataclass(frozen=True)
class Credentials:
    terminal_id: str
    secret: str  # "" when the header is missing or not a bearer token


async def credentials(
    x_fleet_terminal: Annotated[str, Header()] = "",
    authorization: Annotated[str, Header()] = "",
) -> Credentials:
    return presented_by(x_fleet_terminal, authorization)


def presented_by(terminal_header: str, authorization: str) -> Credentials:
    """What the two headers claim (nothing proven yet: see `check_credentials`)."""
    scheme, _, secret = authorization.partition(" ")
    return Credentials(terminal_header, secret if scheme.lower() == "bearer" else "")


Presented = Annotated[Credentials, Depends(credentials)]


def check_credentials(terminal: Any, presented: Credentials) -> Any:
    """The terminal (a row or anything with its `secret_hash` and `revoked_at`), when the
    secret proves it; 401 for anyone else (revoked included)."""
    if (
        terminal is None
        or not presented.secret
        or not matches(presented.secret, terminal.secret_hash)
        or terminal.revoked_at is not None
    ):
        raise HTTPException(401, "unknown terminal, wrong secret, or revoked",
                            headers={"WWW-Authenticate": "Bearer"})
    return terminal


def authenticated(factory: Sessions, presented: Presented) -> Terminal:
    """The calling terminal, proven by its secret. The row comes back detached: a handler
    that writes it reads it again in its own session."""
    terminal = None
    if presented.terminal_id:
        with factory() as session:
            terminal = session.get(Terminal, presented.terminal_id)
    return check_credentials(terminal, presented)


Caller = Annotated[Terminal, Depends(authenticated)]


async def own_terminal(
    caller: Caller, terminal_id: Annotated[str, Path(pattern=TERMINAL_ID_PATTERN)]
) -> Terminal:
    """The caller, when the path names the caller; 403 when it names another terminal."""
    refuse_other(caller, terminal_id)
    return caller


OwnTerminal = Annotated[Terminal, Depends(own_terminal)]


def refuse_other(caller: Terminal, named: str) -> None:
    if named != caller.id:
        raise HTTPException(403, "a terminal may write only its own records")


def json_body(model: type[M], request: Request, raw: bytes) -> M:
    """`raw` as a `model`, parsed by pydantic straight from the bytes; a wrong body is a 422
    shaped as FastAPI's own (for routes that read their body themselves)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not (
            media_type.startswith("application/") and media_type.endswith("+json")):
        raise RequestValidationError([{"type": "content_type", "loc": ("body",),
                                       "msg": "Content-Type must be application/json",
                                       "input": media_type}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def path_terminal_id(request: Request) -> str:
    """The `{terminal_id}` of the path, checked as `Path(pattern=TERMINAL_ID_PATTERN)` would."""
    value: str = request.path_params["terminal_id"]
    if _TERMINAL_ID.fullmatch(value) is None:
        raise RequestValidationError([{"type": "string_pattern_mismatch",
                                       "loc": ("path", "terminal_id"),
                                       "msg": "String should match pattern "
                                              f"'{_TERMINAL_ID.pattern}'",
                                       "input": value}])
    return value


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"

"""What the routes share: a database session per request and the terminal's identity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request
from sqlalchemy.orm import Session

from fleet.credentials import matches
from fleet.db.models import Terminal
from fleet.protocol import TERMINAL_ID_PATTERN
from fleet.settings import FleetSettings


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def now(request: Request) -> datetime:
    moment: datetime = request.app.state.clock()
    return moment


def settings(request: Request) -> FleetSettings:
    value: FleetSettings = request.app.state.settings
    return value


DbSession = Annotated[Session, Depends(db_session)]
Now = Annotated[datetime, Depends(now)]
Settings = Annotated[FleetSettings, Depends(settings)]


def authenticated(
    session: DbSession,
    x_fleet_terminal: Annotated[str, Header()] = "",
    authorization: Annotated[str, Header()] = "",
) -> Terminal:
    """The calling terminal, proven by its secret; 401 for anyone else (revoked included)."""
    scheme, _, secret = authorization.partition(" ")
    terminal = session.get(Terminal, x_fleet_terminal) if x_fleet_terminal else None
    if (
        terminal is None
        or scheme.lower() != "bearer"
        or not matches(secret, terminal.secret_hash)
        or terminal.revoked_at is not None
    ):
        raise HTTPException(401, "unknown terminal, wrong secret, or revoked",
                            headers={"WWW-Authenticate": "Bearer"})
    return terminal


Caller = Annotated[Terminal, Depends(authenticated)]


def own_terminal(caller: Caller, terminal_id: Annotated[str, Path(pattern=TERMINAL_ID_PATTERN)]
                 ) -> Terminal:
    """The caller, when the path names the caller; 403 when it names another terminal."""
    if terminal_id != caller.id:
        raise HTTPException(403, "a terminal may write only its own records")
    return caller


OwnTerminal = Annotated[Terminal, Depends(own_terminal)]


def refuse_other(caller: Terminal, named: str) -> None:
    if named != caller.id:
        raise HTTPException(403, "a terminal may write only its own records")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"

"""Enrolment: a one-time token, printed by `fleet-admin terminal add`, buys a terminal secret."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from fleet.credentials import digest, matches, new_secret
from fleet.db.models import Terminal
from fleet.protocol import ENROL_PATH, EnrolRequest, EnrolResponse
from fleet.routes.deps import Now, Sessions, Settings, client_address

router = APIRouter()


@router.post(ENROL_PATH)
def enrol(
    body: EnrolRequest, request: Request, sessions: Sessions, now: Now, settings: Settings
) -> EnrolResponse:
    if not request.app.state.enrol_buckets.allow(client_address(request)):
        raise HTTPException(429, "too many enrolment attempts; wait a minute")
    with sessions() as session:
        terminal = session.get(Terminal, body.terminal_id, with_for_update=True)
        if (
            terminal is None
            or terminal.revoked_at is not None
            or not matches(body.token, terminal.token_hash)
            or terminal.token_expires_at is None
            or now >= terminal.token_expires_at
        ):
            raise HTTPException(401, "unknown terminal, or the token is wrong, used or expired")
        secret = new_secret()
        terminal.secret_hash = digest(secret)
        terminal.token_hash = None  # one time only
        terminal.token_expires_at = None
        terminal.enrolled_at = now
        session.commit()
    return EnrolResponse(
        terminal_id=terminal.id,
        secret=secret,
        group=terminal.group,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        verify_url=settings.verify_url,
        server_time=now,
    )

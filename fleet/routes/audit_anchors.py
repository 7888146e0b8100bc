"""A terminal asks for the anchors of its audit chain the centre holds, to check its own log
against them (`kiosk-admin audit verify --centre`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fleet.anchor_watch import held
from fleet.protocol import AUDIT_ANCHORS_PATH, HeldAnchors
from fleet.routes.deps import OwnTerminal

router = APIRouter()


@router.get(AUDIT_ANCHORS_PATH)
def audit_anchors(caller: OwnTerminal, request: Request) -> HeldAnchors:
    with request.app.state.engine.connect() as connection:
        return HeldAnchors(terminal_id=caller.id, anchors=held(connection, caller.id))

"""Heartbeat intake: the latest word of each terminal, and what the centre wants of it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fleet.config_store import merged_document
from fleet.db.models import TerminalStatus
from fleet.protocol import HEARTBEAT_PATH, Heartbeat, HeartbeatAck, config_hash
from fleet.routes.deps import DbSession, Now, OwnTerminal, Settings, refuse_other

router = APIRouter()


@router.post(HEARTBEAT_PATH)
def heartbeat(
    body: Heartbeat,
    caller: OwnTerminal,
    request: Request,
    session: DbSession,
    now: Now,
    settings: Settings,
) -> HeartbeatAck:
    refuse_other(caller, body.terminal_id)
    document, _, _ = merged_document(
        session, caller.group, caller.id, settings.heartbeat_interval_s
    )
    interval = document.heartbeat_interval_s
    status = session.get(TerminalStatus, caller.id)
    if status is None:
        status = TerminalStatus(terminal_id=caller.id, heartbeats=0)
        session.add(status)
    status.last_seen_at = now
    status.sent_at = body.sent_at
    status.interval_s = interval
    status.app_version = body.app_version[:40]
    status.uptime_s = body.uptime_s
    status.state = body.state
    status.reason = body.reason[:200]
    status.devices = [d.model_dump(mode="json") for d in body.devices]
    status.config_hash = body.config_hash[:64]
    status.outbox_length = body.outbox_length
    status.outbox_oldest_at = body.outbox_oldest_at
    status.in_session = body.in_session
    status.heartbeats = (status.heartbeats or 0) + 1
    session.commit()
    request.app.state.metrics.heartbeats.inc()
    return HeartbeatAck(server_time=now, heartbeat_interval_s=interval,
                        config_hash=config_hash(document))

"""Heartbeat intake: the latest word of each terminal, and what the centre wants of it.

The hot path of the service (every terminal, every interval), so it is written in SQLAlchemy
Core with statements built once, on an autocommit connection: one SELECT that proves the caller
and reads its configuration layers' revisions, and one UPDATE that is its own transaction. Two
round trips (a transaction would add BEGIN and COMMIT). The merged configuration's hash comes
from a cache keyed by those revisions. Only a terminal with remote actions waiting or reported
gets a transaction, for the UPDATE and the exchange of actions together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection, bindparam, exists, insert, select, update
from sqlalchemy.orm import aliased
from starlette.concurrency import run_in_threadpool

from fleet.console import actions as remote_actions
from fleet.console.models import RemoteAction
from fleet.db.models import ConfigLayer, Terminal, TerminalStatus
from fleet.protocol import HEARTBEAT_PATH, Heartbeat, HeartbeatAck
from fleet.routes.deps import (
    Credentials,
    check_credentials,
    json_body,
    path_terminal_id,
    presented_by,
    refuse_other,
)

router = APIRouter()
_group_layer = aliased(ConfigLayer)
_own_layer = aliased(ConfigLayer)
_CALLER = (
    select(Terminal.id, Terminal.group, Terminal.secret_hash, Terminal.revoked_at,
           _group_layer.revision.label("group_revision"),
           _own_layer.revision.label("own_revision"),
           # Remote actions waiting: known in the same round trip, fetched only when true.
           exists().where(RemoteAction.terminal_id == Terminal.id,
                          RemoteAction.done_at.is_(None)).label("actions_waiting"))
    .outerjoin(_group_layer, (_group_layer.scope == "group")
               & (_group_layer.name == Terminal.group))
    .outerjoin(_own_layer, (_own_layer.scope == "terminal") & (_own_layer.name == Terminal.id))
    .where(Terminal.id == bindparam("terminal_id"))
)
_FIELDS = ("last_seen_at", "sent_at", "interval_s", "app_version", "uptime_s", "state",
           "reason", "devices", "config_hash", "outbox_length", "outbox_oldest_at", "in_session",
           "staff_call")
_TABLE = TerminalStatus.__table__
_TOUCH = (
    update(_TABLE)
    .where(_TABLE.c.terminal_id == bindparam("b_terminal_id"))
    .values(heartbeats=_TABLE.c.heartbeats + 1,
            **{name: bindparam(f"v_{name}", type_=_TABLE.c[name].type) for name in _FIELDS})
)


@router.post(HEARTBEAT_PATH, response_model=HeartbeatAck)
async def heartbeat(request: Request) -> Response:
    """Reads its path, headers and body itself: FastAPI's solving of declared parameters and
    dependencies took about a quarter of a heartbeat's CPU (profiled). The database work runs
    in the thread pool, as a plain `def` route's would."""
    terminal_id = path_terminal_id(request)
    body = json_body(Heartbeat, request, await request.body())
    headers = request.headers
    presented = presented_by(headers.get("x-fleet-terminal", ""),
                             headers.get("authorization", ""))
    app_state = request.app.state
    return await run_in_threadpool(_record, app_state, terminal_id, presented, body,
                                   app_state.clock())


def _record(app_state: Any, terminal_id: str, presented: Credentials, body: Heartbeat,
            now: datetime) -> Response:
    settings = app_state.settings
    with app_state.autocommit_engine.connect() as connection:
        row = connection.execute(_CALLER, {"terminal_id": presented.terminal_id}).first()
        caller = check_credentials(row, presented)
        refuse_other(caller, terminal_id)
        refuse_other(caller, body.terminal_id)
        document, wanted_hash = app_state.config_cache.get(
            connection, caller.group, caller.id, settings.heartbeat_interval_s,
            revisions=(caller.group_revision, caller.own_revision),
        )
        values = _status_values(body, now, document.heartbeat_interval_s)
        exchanging = bool(caller.actions_waiting or body.actions_done)
        if not exchanging:
            _touch(connection, caller.id, values)
    orders = []
    if exchanging:  # rare: a transaction, on a connection of its own (the first is back)
        with app_state.engine.begin() as connection:
            _touch(connection, caller.id, values)
            orders = remote_actions.exchange(connection, caller.id, body.actions_done, now)
    app_state.metrics.heartbeats.inc()
    ack = HeartbeatAck(server_time=now, heartbeat_interval_s=document.heartbeat_interval_s,
                       config_hash=wanted_hash, actions=orders)
    return Response(ack.model_dump_json(), media_type="application/json")


def _status_values(body: Heartbeat, now: datetime, interval_s: float) -> dict[str, Any]:
    return {
        "last_seen_at": now,
        "sent_at": body.sent_at,
        "interval_s": interval_s,
        "app_version": body.app_version[:40],
        "uptime_s": body.uptime_s,
        "state": body.state,
        "reason": body.reason[:200],
        "devices": [d.model_dump(mode="json") for d in body.devices],
        "config_hash": body.config_hash[:64],
        "outbox_length": body.outbox_length,
        "outbox_oldest_at": body.outbox_oldest_at,
        "in_session": body.in_session,
        "staff_call": body.staff_call,
    }


def _touch(connection: Connection, terminal_id: str, values: dict[str, Any]) -> None:
    params = {f"v_{name}": value for name, value in values.items()}
    updated = connection.execute(_TOUCH, {"b_terminal_id": terminal_id, **params})
    if updated.rowcount == 0:  # the terminal's first heartbeat
        connection.execute(insert(_TABLE), {"terminal_id": terminal_id, "heartbeats": 1,
                                            **values})

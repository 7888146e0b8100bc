"""Outbox intake: one batch, one transaction, each event applied exactly once."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from fleet.intake import ForeignRow, SequenceConflict, apply_batch
from fleet.protocol import OUTBOX_PATH, BatchAck, OutboxBatch
from fleet.routes.deps import Now, OwnTerminal, refuse_other

router = APIRouter()


@router.post(OUTBOX_PATH, response_model=None)
def outbox(
    body: OutboxBatch, caller: OwnTerminal, request: Request, now: Now
) -> BatchAck | JSONResponse:
    refuse_other(caller, body.terminal_id)
    try:
        with request.app.state.engine.begin() as connection:  # one batch, one transaction
            ack = apply_batch(connection, caller.id, body, now)
    except ForeignRow as exc:
        raise HTTPException(403, str(exc)) from None
    except SequenceConflict as exc:
        last = exc.last_seq or caller.last_seq
        return JSONResponse(
            {"last_seq": last, "applied": 0, "duplicates": 0, "detail": str(exc)},
            status_code=409,
        )
    request.app.state.metrics.count_batch(body, ack)
    return ack

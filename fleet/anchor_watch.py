"""The centre compares each audit anchor a terminal reports with those it already holds.

A terminal's audit log only grows, so its anchors only move forward: a later anchor of a lower
entry, or one of the same entry with another MAC, means the log was cut, rewritten or reset.
That is recorded as an alert (rule `audit_rewritten`, in the console and through the webhook)
in the same transaction as the anchor itself.

A reset can be legitimate: a terminal reinstalled and keyed anew starts a new chain (its
anchors name another key: the alert says so), and staff acknowledge the alert. A key rotation
is not a reset: it keeps the chain's key, and the chain goes on. After a contradiction the new
anchor starts a new epoch, and later anchors are checked against it, so one reset raises one
alert, not one per anchor from then on. Each contradiction is an alert of its own, naming the
epoch it started, even while an earlier one is open: a cut made after a reset must reach staff
too. Acknowledging an alert accepts its epoch, not any chain received after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select

from fleet.console.models import Alert
from fleet.console.rules import AUDIT_REWRITTEN
from fleet.db.models import HeldAuditAnchor
from fleet.protocol import AuditAnchor, HeldAnchor

_ANCHORS = HeldAuditAnchor.__table__
_ALERTS = Alert.__table__


class _Held(NamedTuple):
    """The newest anchor held for the terminal."""

    entry_count: int
    head_hash: str
    key_id: str
    epoch: int


def contradiction(held_count: int, held_hash: str, held_key: str,
                  anchor: AuditAnchor) -> str:
    """Why `anchor` cannot follow the one held (pure); "" when it can."""
    if anchor.entry_count < held_count:
        why = (f"the audit log went back from entry {held_count} to entry "
               f"{anchor.entry_count}: it was cut or reset")
    elif anchor.entry_count == held_count and anchor.head_hash != held_hash:
        why = (f"entry {held_count} came again with another MAC: the log was rewritten or "
               "reset")
    elif held_key and anchor.key_id and anchor.key_id != held_key:
        why = "the audit chain's key changed"
    else:
        return ""
    if held_key and anchor.key_id and anchor.key_id != held_key:
        return f"{why}; anchored under a new audit key (reinstalled terminal?)"
    return why


def watch(connection: Connection, terminal_id: str, anchors: list[AuditAnchor],
          now: datetime) -> list[str]:
    """Keep `anchors` (new events, in sequence order) and raise an alert for each that
    contradicts the terminal's chain; returns the alerts' details. The caller commits."""
    if not anchors:
        return []
    row = connection.execute(
        select(_ANCHORS.c.entry_count, _ANCHORS.c.head_hash, _ANCHORS.c.key_id,
               _ANCHORS.c.epoch)
        .where(_ANCHORS.c.terminal_id == terminal_id)
        .order_by(_ANCHORS.c.id.desc()).limit(1)
    ).first()
    latest = _Held(*row) if row is not None else None
    raised: list[tuple[str, int]] = []
    rows = []
    for anchor in anchors:
        epoch = 1
        if latest is not None:
            why = contradiction(latest.entry_count, latest.head_hash, latest.key_id, anchor)
            epoch = latest.epoch + (1 if why else 0)
            if why:
                raised.append((why, epoch))
        rows.append({"terminal_id": terminal_id, "entry_count": anchor.entry_count,
                     "head_hash": anchor.head_hash, "key_id": anchor.key_id, "epoch": epoch,
                     "outbox_seq": anchor.seq, "occurred_at": anchor.occurred_at,
                     "received_at": now})
        latest = _Held(anchor.entry_count, anchor.head_hash, anchor.key_id, epoch)
    connection.execute(insert(_ANCHORS), rows)
    if raised:
        connection.execute(insert(_ALERTS), [
            {"terminal_id": terminal_id, "rule": AUDIT_REWRITTEN, "severity": "critical",
             "detail": why[:200], "epoch": epoch, "first_seen_at": now, "fired_at": now,
             "acked_by": "", "ack_reason": "", "delivery_attempts": 0, "delivery_error": ""}
            for why, epoch in raised])
    return [why for why, _ in raised]


def held(connection: Connection, terminal_id: str, limit: int = 200) -> list[HeldAnchor]:
    """The anchors the terminal's log must still agree with, newest first: every chain since
    the latest one staff accepted by acknowledging the alert that opened it (a reset not
    acknowledged keeps the older chain's anchors in, and the terminal's log contradicts
    them)."""
    from_epoch = connection.execute(
        select(func.max(_ALERTS.c.epoch)).where(
            _ALERTS.c.terminal_id == terminal_id, _ALERTS.c.rule == AUDIT_REWRITTEN,
            _ALERTS.c.acked_at.is_not(None))
    ).scalar() or 1
    rows = connection.execute(
        select(_ANCHORS.c.entry_count, _ANCHORS.c.head_hash, _ANCHORS.c.key_id,
               _ANCHORS.c.epoch, _ANCHORS.c.occurred_at)
        .where(_ANCHORS.c.terminal_id == terminal_id, _ANCHORS.c.epoch >= from_epoch)
        .order_by(_ANCHORS.c.id.desc()).limit(limit))
    return [HeldAnchor(entry_count=r.entry_count, head_hash=r.head_hash, key_id=r.key_id,
                       epoch=r.epoch, occurred_at=r.occurred_at) for r in rows]

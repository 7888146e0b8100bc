"""The fleet outbox: what the central service must learn, kept until it has acknowledged it.

An event and its outbox items commit together or not at all: code that records an event calls
`stage(session, kind, payload)` inside the event's own transaction, and the items are written
just before that transaction commits. They take their sequence numbers from a one-row counter
at that moment; the counter's row lock (PostgreSQL) or the database's write lock (SQLite) is
held to commit, so numbers run 1, 2, 3... without gaps and become visible in order, and it is
the last lock any transaction takes (no deadlock with the audit chain's lock).

With no fleet configured the outbox is disabled and `stage` does nothing: a standalone
terminal must not fill its disk with messages nobody collects.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import OutboxCounter, OutboxItem
from services_catalog.model import mask_id_numbers_in

log = logging.getLogger(__name__)

# Kinds of item, named as the fleet protocol names its events.
CERTIFICATE = "certificate"
AUDIT = "audit"
USAGE = "usage"
DEVICE = "device"
AUDIT_ANCHOR = "audit_anchor"

_STAGED = "fleet_outbox_staged"
_WRITTEN = "fleet_outbox_written"
# Checks an item against the protocol before it is stored (raises ValueError): an item the
# centre would refuse must not block every item behind it.
ItemCheck = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class PendingItem:
    seq: int
    key: str
    kind: str
    payload: dict[str, Any]
    occurred_at: datetime


# Built once: these run in every transaction that records an event.
_COUNTER_TABLE = cast(Table, OutboxCounter.__table__)
_COUNTER = _COUNTER_TABLE.c
_BUMP = (update(_COUNTER_TABLE).where(_COUNTER.id == 1)
         .values(last_seq=_COUNTER.last_seq + bindparam("n")).returning(_COUNTER.last_seq))
_INSERT = insert(cast(Table, OutboxItem.__table__))


def _write_staged(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    if not staged:
        return
    last = session.execute(_BUMP, {"n": len(staged)}).scalar_one()
    session.execute(_INSERT, [
        {"seq": seq, "key": uuid.uuid4().hex, "kind": kind, "occurred_at": occurred_at,
         "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)}
        for seq, (kind, payload, occurred_at) in enumerate(staged, start=last - len(staged) + 1)
    ])
    session.info[_WRITTEN] = True


def _forget_staged(session: Session, _transaction: Any = None) -> None:
    session.info.pop(_STAGED, None)
    session.info.pop(_WRITTEN, None)


class Outbox:
    def __init__(self, sessions: sessionmaker[Session], *, enabled: bool,
                 check: ItemCheck | None = None) -> None:
        self._sessions = sessions
        self.enabled = enabled
        self._check = check
        # Called (on the writer's thread) after items were committed: the sender wakes up.
        self.on_commit: Callable[[], None] | None = None
        if enabled:
            event.listen(sessions, "before_commit", _write_staged)
            event.listen(sessions, "after_soft_rollback", _forget_staged)
            event.listen(sessions, "after_commit", self._committed)

    def _committed(self, session: Session) -> None:
        callback = self.on_commit
        if session.info.pop(_WRITTEN, None) and callback is not None:
            callback()

    def stage(self, session: Session, kind: str, payload: dict[str, Any],
              occurred_at: datetime | None = None) -> None:
        """Queue an item in `session`'s transaction; it is written when that one commits."""
        if not self.enabled:
            return
        if self._check is not None:
            try:
                self._check(kind, payload)
            except ValueError as exc:  # a bug; the event itself is still recorded locally
                log.error("outbox item %s not kept: %s", kind, str(exc).splitlines()[0])
                return
        when = occurred_at or datetime.now(UTC)
        session.info.setdefault(_STAGED, []).append((kind, payload, when))

    def add(self, kind: str, payload: dict[str, Any]) -> None:
        """An item that is its own event (a device changing state): one transaction."""
        with self._sessions.begin() as session:
            self.stage(session, kind, payload)

    def pending(self, limit: int, after: int = 0) -> list[PendingItem]:
        with self._sessions() as session:
            rows = session.scalars(
                select(OutboxItem).where(OutboxItem.seq > after)
                .order_by(OutboxItem.seq).limit(limit)
            )
            return [PendingItem(r.seq, r.key, r.kind, json.loads(r.payload), r.occurred_at)
                    for r in rows]

    def acknowledge_through(self, last_seq: int) -> int:
        """Delete everything the centre holds (seq <= last_seq); the number deleted."""
        with self._sessions.begin() as session:
            result = session.execute(delete(OutboxItem).where(OutboxItem.seq <= last_seq))
            return int(getattr(result, "rowcount", 0) or 0)

    def length(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxItem)) or 0)

    def oldest(self) -> datetime | None:
        with self._sessions() as session:
            return session.scalar(select(func.min(OutboxItem.occurred_at)))

    def last_seq(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(OutboxCounter.last_seq)) or 0)


# ---- what each local event tells the centre (pure) ------------------------------------------
ANCHOR_EVERY = 50  # audit entries between two anchors of the chain
# Audit actions that count as a use of a service, and the counter each one adds to.
USAGE_COUNTERS = {"query": "queries", "print": "certificates"}


def masked_text(text: str) -> str:
    """Free text with any full ID number in it masked (a file name, say)."""
    return mask_id_numbers_in(text)


def audit_items(entry: Any, key_id: str = "") -> list[tuple[str, dict[str, Any]]]:
    """The outbox items of one audit line (an `AuditEntry`; `seq` is its place in the chain):
    the line itself with the masked ID only, a usage count for a service's query or print,
    and now and then an anchor of the chain (with the id of the chain's key), so the centre
    can tell if the log is rewritten."""
    items: list[tuple[str, dict[str, Any]]] = [(AUDIT, {
        "actor": entry.actor, "action": masked_text(entry.action),
        "outcome": masked_text(entry.outcome), "id_masked": entry.id_masked,
        "detail": masked_text(entry.detail), "entry_hash": entry.entry_hash,
    })]
    counter = USAGE_COUNTERS.get(entry.action)
    if counter and entry.outcome == "ok" and entry.detail:
        items.append((USAGE, {"service_id": entry.detail[:64], "counter": counter, "delta": 1}))
    if entry.seq % ANCHOR_EVERY == 0 or entry.action == "terminal_start":
        items.append(anchor_item(entry.seq, entry.entry_hash, key_id))
    return items


def anchor_item(seq: int, mac: str, key_id: str) -> tuple[str, dict[str, Any]]:
    """An anchor of the chain for the centre: the entry's position and MAC, the key's id."""
    return AUDIT_ANCHOR, {"entry_count": seq, "head_hash": mac, "key_id": key_id}


def certificate_item(values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A registry entry as the central registry needs it (masked name and keyed hash only)."""
    entry = dict(values)
    issued_at = entry.get("issued_at")
    if isinstance(issued_at, datetime):
        entry["issued_at"] = issued_at.astimezone(UTC).isoformat()
    return CERTIFICATE, {"entry": entry}

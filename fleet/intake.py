"""Applying a terminal's outbox batch exactly once, in one transaction.

The terminal's row is locked first (SELECT ... FOR UPDATE), so two copies of a batch arriving
at once are applied one after the other and the second finds every event already held. Events
at or below the terminal's `last_seq` must carry the key stored for that seq (a resend: acked,
not counted again); new events must follow on without a gap. Ledger rows and projections
(registry, usage counters, audit anchors and their alerts) go into the same transaction as
`last_seq`, so a crash anywhere in the batch leaves nothing of it behind, and the terminal's
resend applies it whole.

Set-based: one INSERT for the ledger rows, one SELECT and one INSERT for the certificates, one
UPDATE (or INSERT) per usage counter touched, whatever the batch's length.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from fleet.anchor_watch import watch
from fleet.db.models import Certificate, OutboxEventRow, Terminal, UsageDaily
from fleet.protocol import AuditAnchor, BatchAck, CertificateEvent, OutboxBatch, UsageEvent

_TERMINALS = Terminal.__table__
_LEDGER = OutboxEventRow.__table__
_CERTIFICATES = Certificate.__table__
_USAGE = UsageDaily.__table__


class SequenceConflict(Exception):
    """The batch does not continue what the centre holds; `last_seq` tells the terminal."""

    def __init__(self, last_seq: int, why: str) -> None:
        super().__init__(why)
        self.last_seq = last_seq


class ForeignRow(Exception):
    """An event that would write another terminal's rows."""


def apply_batch(
    connection: Connection, terminal_id: str, batch: OutboxBatch, now: datetime
) -> BatchAck:
    """Apply what is new in `batch` for `terminal_id`; the caller commits."""
    last = connection.execute(
        select(_TERMINALS.c.last_seq).where(_TERMINALS.c.id == terminal_id).with_for_update()
    ).scalar_one()
    events = sorted(batch.events, key=lambda e: e.seq)
    if len({e.seq for e in events}) != len(events) or len({e.key for e in events}) != len(events):
        raise SequenceConflict(last, "a seq or key appears twice in the batch")
    resent = [e for e in events if e.seq <= last]
    if resent:
        rows = connection.execute(
            select(_LEDGER.c.seq, _LEDGER.c.key).where(
                _LEDGER.c.terminal_id == terminal_id, _LEDGER.c.seq.in_([e.seq for e in resent])
            )
        )
        held = {seq: key for seq, key in rows}
        for event in resent:
            if held.get(event.seq) != event.key:
                raise SequenceConflict(last, f"seq {event.seq} is held with another key")
    new = [e for e in events if e.seq > last]
    for expected, event in enumerate(new, start=last + 1):
        if event.seq != expected:
            raise SequenceConflict(last, f"expected seq {expected}, got {event.seq}")
    if not new:
        return BatchAck(last_seq=last, applied=0, duplicates=len(resent))
    for event in new:
        if isinstance(event, CertificateEvent) and event.entry.terminal_id != terminal_id:
            raise ForeignRow(f"certificate {event.entry.verification_code} names another "
                             "terminal")
    _count_usage(connection, terminal_id, [e for e in new if isinstance(e, UsageEvent)])
    connection.execute(insert(_LEDGER), [
        {"terminal_id": terminal_id, "seq": e.seq, "key": e.key, "kind": e.kind,
         "occurred_at": e.occurred_at, "received_at": now, "payload": e.model_dump(mode="json")}
        for e in new
    ])
    certificates = [e for e in new if isinstance(e, CertificateEvent)]
    if certificates:
        _record_certificates(connection, terminal_id, certificates, last)
    # Each audit anchor against those held before it: a contradiction is an alert.
    watch(connection, terminal_id, [e for e in new if isinstance(e, AuditAnchor)], now)
    connection.execute(
        update(_TERMINALS).where(_TERMINALS.c.id == terminal_id).values(last_seq=new[-1].seq)
    )
    return BatchAck(last_seq=new[-1].seq, applied=len(new), duplicates=len(resent))


def _record_certificates(
    connection: Connection, terminal_id: str, events: list[CertificateEvent], last: int
) -> None:
    entries = [e.entry for e in events]
    existing = {
        code: (owner, digest)
        for code, owner, digest in connection.execute(
            select(_CERTIFICATES.c.verification_code, _CERTIFICATES.c.terminal_id,
                   _CERTIFICATES.c.content_sha256)
            .where(_CERTIFICATES.c.verification_code.in_([x.verification_code for x in entries]))
        )
    }
    rows: dict[str, dict[str, Any]] = {}
    for entry in entries:
        held = existing.get(entry.verification_code)
        if held is not None or entry.verification_code in rows:
            if held == (terminal_id, entry.content_sha256):
                continue  # the same certificate sent again under a new key: one registry row
            raise SequenceConflict(last, f"verification code {entry.verification_code} is "
                                         "already held")
        rows[entry.verification_code] = {**entry.model_dump(), "terminal_id": terminal_id,
                                         "revoked_reason": "", "revoked_by": ""}
    if rows:
        connection.execute(insert(_CERTIFICATES), list(rows.values()))


def _count_usage(connection: Connection, terminal_id: str, events: list[UsageEvent]) -> None:
    totals: Counter[tuple[str, str, date]] = Counter()
    for event in events:  # counted per UTC day
        totals[(event.service_id, event.counter, event.occurred_at.astimezone(UTC).date())] += (
            event.delta
        )
    for (service_id, counter, day), delta in totals.items():
        key = ((_USAGE.c.terminal_id == terminal_id) & (_USAGE.c.service_id == service_id)
               & (_USAGE.c.counter == counter) & (_USAGE.c.day == day))
        updated = connection.execute(
            update(_USAGE).where(key).values(count=_USAGE.c.count + delta)
        )
        if updated.rowcount == 0:
            connection.execute(insert(_USAGE), {"terminal_id": terminal_id,
                                                "service_id": service_id, "counter": counter,
                                                "day": day, "count": delta})

"""Applying a terminal's outbox batch exactly once, in one transaction.

The terminal's row is locked first (SELECT ... FOR UPDATE), so two copies of a batch arriving
at once are applied one after the other and the second finds every event already held. Events
at or below the terminal's `last_seq` must carry the key stored for that seq (a resend: acked,
not counted again); new events must follow on without a gap. Ledger row and projections
(registry, usage counters) go into the same transaction as `last_seq`, so a crash anywhere in
the batch leaves nothing of it behind, and the terminal's resend applies it whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.db.models import Certificate, OutboxEventRow, Terminal, UsageDaily
from fleet.protocol import BatchAck, CertificateEvent, OutboxBatch, UsageEvent


class SequenceConflict(Exception):
    """The batch does not continue what the centre holds; `last_seq` tells the terminal."""

    def __init__(self, last_seq: int, why: str) -> None:
        super().__init__(why)
        self.last_seq = last_seq


class ForeignRow(Exception):
    """An event that would write another terminal's rows."""


def apply_batch(session: Session, terminal_id: str, batch: OutboxBatch, now: datetime) -> BatchAck:
    """Apply what is new in `batch` for `terminal_id`; the caller commits."""
    # populate_existing: the row was read before (authentication); read it again under lock.
    terminal = session.execute(
        select(Terminal)
        .where(Terminal.id == terminal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    last = terminal.last_seq
    events = sorted(batch.events, key=lambda e: e.seq)
    if len({e.seq for e in events}) != len(events) or len({e.key for e in events}) != len(events):
        raise SequenceConflict(last, "a seq or key appears twice in the batch")
    resent = [e for e in events if e.seq <= last]
    if resent:
        rows = session.execute(
            select(OutboxEventRow.seq, OutboxEventRow.key).where(
                OutboxEventRow.terminal_id == terminal_id,
                OutboxEventRow.seq.in_([e.seq for e in resent]),
            )
        )
        held = {seq: key for seq, key in rows}
        for event in resent:
            if held.get(event.seq) != event.key:
                raise SequenceConflict(last, f"seq {event.seq} is held with another key")
    usage: dict[tuple[str, str, object], UsageDaily] = {}
    expected = last + 1
    for event in (e for e in events if e.seq > last):
        if event.seq != expected:
            raise SequenceConflict(last, f"expected seq {expected}, got {event.seq}")
        if isinstance(event, CertificateEvent):
            try:
                _record_certificate(session, terminal_id, event)
            except SequenceConflict as exc:
                raise SequenceConflict(last, str(exc)) from None
        elif isinstance(event, UsageEvent):
            _count_usage(session, terminal_id, event, usage)
        session.add(
            OutboxEventRow(
                terminal_id=terminal_id,
                seq=event.seq,
                key=event.key,
                kind=event.kind,
                occurred_at=event.occurred_at,
                received_at=now,
                payload=event.model_dump(mode="json"),
            )
        )
        expected += 1
    terminal.last_seq = expected - 1
    session.flush()
    return BatchAck(last_seq=terminal.last_seq, applied=expected - 1 - last,
                    duplicates=len(resent))


def _record_certificate(session: Session, terminal_id: str, event: CertificateEvent) -> None:
    entry = event.entry
    if entry.terminal_id != terminal_id:
        raise ForeignRow(f"certificate {entry.verification_code} names another terminal")
    existing = session.get(Certificate, entry.verification_code)
    if existing is not None:
        if existing.terminal_id == terminal_id and existing.content_sha256 == entry.content_sha256:
            return  # the same certificate sent again under a new key: one registry row
        raise SequenceConflict(0, f"verification code {entry.verification_code} already held")
    session.add(
        Certificate(
            verification_code=entry.verification_code,
            content_sha256=entry.content_sha256,
            pdf_sha256=entry.pdf_sha256,
            service_id=entry.service_id,
            service_name_zh=entry.service_name_zh,
            holder_masked_name=entry.holder_masked_name,
            holder_id_hash=entry.holder_id_hash,
            issued_at=entry.issued_at,
            terminal_id=terminal_id,
            seal_id=entry.seal_id,
            issuer_name_zh=entry.issuer_name_zh,
            demo=entry.demo,
        )
    )


def _count_usage(
    session: Session,
    terminal_id: str,
    event: UsageEvent,
    cache: dict[tuple[str, str, object], UsageDaily],
) -> None:
    day = event.occurred_at.astimezone(UTC).date()  # counted per UTC day
    ident = (event.service_id, event.counter, day)
    row = cache.get(ident) or session.get(
        UsageDaily, (terminal_id, event.service_id, event.counter, day)
    )
    if row is None:
        row = UsageDaily(terminal_id=terminal_id, service_id=event.service_id,
                         counter=event.counter, day=day, count=0)
        session.add(row)
    cache[ident] = row
    row.count += event.delta

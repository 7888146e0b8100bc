"""The append-only, hash-chained audit log: who did what, when, and how it ended.

Each entry's hash covers its content and the previous entry's hash, so removing or editing a
line breaks the chain at that point; `verify_chain` finds the first broken link.

Appending reads the last entry and inserts the next in one transaction. A lock in the process
keeps its own threads in line; `_lock_chain` makes the database serialize writers from other
processes too (the terminal and `kiosk-admin`, or two terminals sharing one PostgreSQL), which
could otherwise both append after the same entry and fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.keys import TerminalKeys
from kiosk.store.models import AuditEntry
from kiosk.store.outbox import Outbox, audit_items
from services_catalog.model import AuthenticatedPerson, mask_id_number

GENESIS = "0" * 64
# PostgreSQL advisory lock key of the audit chain (any constant 64-bit number, fixed forever).
_CHAIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"gov-kiosk audit_log").digest()[:8], "big",
                                 signed=True)


def _lock_chain(session: Session) -> None:
    """Hold the database's writer lock for the chain until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))
    elif dialect == "sqlite":
        # The driver reads outside a transaction until the first write; a write that changes
        # nothing opens one and takes SQLite's single write lock before the tail is read.
        session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))


def _entry_digest(entry: AuditEntry) -> str:
    body = json.dumps(
        [
            entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            entry.terminal_id, entry.actor, entry.action, entry.outcome,
            entry.id_hash, entry.id_masked, entry.detail, entry.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    intact: bool
    first_broken_id: int | None = None


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], keys: TerminalKeys, terminal_id: str,
                 outbox: Outbox | None = None):
        self._sessions = sessions
        self._outbox = outbox
        self._keys = keys
        self._terminal_id = terminal_id
        self._lock = threading.Lock()  # one writer at a time keeps the chain linear

    def record(
        self,
        action: str,
        outcome: str,
        person: AuthenticatedPerson | None = None,
        detail: str = "",
        actor: str = "citizen",
    ) -> None:
        with self._lock, self._sessions.begin() as session:
            _lock_chain(session)
            last = session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)
            ).first()
            entry = AuditEntry(
                at=datetime.now(UTC),
                terminal_id=self._terminal_id,
                actor=actor,
                action=action[:48],
                outcome=outcome[:48],
                id_hash=self._keys.id_hash(person.id_number) if person else "",
                id_masked=mask_id_number(person.id_number) if person else "",
                detail=detail[:200],
                prev_hash=last.entry_hash if last else GENESIS,
            )
            entry.entry_hash = _entry_digest(entry)
            session.add(entry)
            self._stage_for_fleet(session, entry)

    def _stage_for_fleet(self, session: Session, entry: AuditEntry) -> None:
        """The line's outbox items, in the line's own transaction."""
        outbox = self._outbox
        if outbox is None or not outbox.enabled:
            return
        session.flush()  # the id decides when the chain is anchored

        def count() -> int:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

        for kind, payload in audit_items(entry, count):
            outbox.stage(session, kind, payload, entry.at)

    def entries(self, limit: int = 100) -> list[AuditEntry]:
        with self._sessions() as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return list(rows)

    def verify_chain(self) -> ChainReport:
        previous = GENESIS
        count = 0
        with self._sessions() as session:
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
                count += 1
                if entry.prev_hash != previous or _entry_digest(entry) != entry.entry_hash:
                    return ChainReport(count, False, entry.id)
                previous = entry.entry_hash
        return ChainReport(count, True)

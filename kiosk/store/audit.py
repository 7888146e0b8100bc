"""The append-only audit log: who did what, when, and how it ended, as a keyed hash chain.

Each entry carries its position (`seq`) and an HMAC-SHA256, under the audit key, of its content,
its position and the previous entry's MAC. Without the key nobody can edit a line and re-chain
the rest; a missing line shows as a gap or a broken link. What a chain cannot show by itself is
a cut tail (the last lines, or all of them, deleted): for that its head is anchored outside the
database (kiosk.store.anchor) and `verify_chain` compares the log with those anchors.

Rows written before the chain was keyed (schema revision 0001) keep their unkeyed SHA-256
links and are marked `chain = "sha256"`. They are checked by that old rule, only as a prefix of
the log: the first keyed entry's MAC covers the last old entry's hash, so once a keyed entry
exists the old rows cannot be rewritten either, and an anchor records where the keyed part
starts so that keyed rows cannot be passed off as old ones.

Appending reads the last entry and inserts the next in one transaction. A lock in the process
keeps its own threads in line; `_lock_chain` makes the database serialize writers from other
processes too (the terminal and `kiosk-admin`, or two terminals sharing one PostgreSQL), which
could otherwise both append after the same entry and fork the chain. `transaction()` hands out
that locked transaction so other records (a certificate, its print job) commit with their line.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.keys import TerminalKeys
from kiosk.store.models import AuditEntry, IssuedCertificate, PrintJob
from kiosk.store.outbox import Outbox, anchor_item, audit_items, masked_text
from services_catalog.model import AuthenticatedPerson, mask_id_number

GENESIS = "0" * 64
KEYED, LEGACY = "hmac", "sha256"
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


def _fields(entry: AuditEntry) -> list[object]:
    return [
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.terminal_id, entry.actor, entry.action, entry.outcome,
        entry.id_hash, entry.id_masked, entry.detail, entry.prev_hash,
    ]


def _canonical(values: list[object]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def legacy_digest(entry: AuditEntry) -> str:
    """The rule of revision 0001: unkeyed SHA-256 of the content and the previous hash."""
    return hashlib.sha256(_canonical(_fields(entry))).hexdigest()


def keyed_mac(key: bytes, entry: AuditEntry) -> str:
    return hmac.new(key, _canonical([entry.seq, *_fields(entry)]), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The newest entry's position and MAC, and where the keyed part of the chain starts."""

    seq: int
    mac: str
    keyed_from: int  # seq of the first keyed entry; 0 while there is none


@dataclass(frozen=True)
class AnchorPoint:
    """What verification needs of an anchor (kiosk.store.anchor.Anchor has this shape)."""

    seq: int
    mac: str
    keyed_from: int = 0


@dataclass(frozen=True)
class ChainReport:
    entries: int
    intact: bool
    first_broken_id: int | None = None
    first_broken_seq: int | None = None
    problem: str = ""  # one sentence naming the first bad entry or the missing tail
    legacy_entries: int = 0  # checked by the old unkeyed rule
    anchors_checked: int = 0
    head_seq: int = 0


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], keys: TerminalKeys, terminal_id: str,
                 outbox: Outbox | None = None):
        self._sessions = sessions
        self._outbox = outbox
        self._keys = keys
        # Its own derived key: the MAC key never serves as the ID-hash key, nor the reverse.
        self._mac_key = keys.derive("audit-chain")
        # Names the chain's key in anchors without revealing it: an anchor from a reinstalled
        # terminal (another key, another chain) is told apart from one this chain contradicts.
        self.key_id = hmac.new(self._mac_key, b"gov-kiosk audit key id",
                               hashlib.sha256).hexdigest()[:16]
        self._terminal_id = terminal_id
        self._lock = threading.Lock()  # one writer at a time keeps the chain linear
        self.written = False  # this process appended (worth anchoring when it closes)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A transaction that holds the chain's write lock: `append` lines in it, add other
        records beside them; everything commits together or nothing does."""
        with self._lock, self._sessions.begin() as session:
            _lock_chain(session)
            yield session
        self.written = True

    def append(
        self,
        session: Session,
        action: str,
        outcome: str,
        person: AuthenticatedPerson | None = None,
        detail: str = "",
        actor: str = "citizen",
        at: datetime | None = None,
    ) -> AuditEntry:
        """Add one line inside a `transaction()`. `at` dates a line that records an earlier
        moment (a certificate's issue time); a time in the future is never written."""
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        now = datetime.now(UTC)
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            chain=KEYED,
            at=min(now, at) if at is not None else now,
            terminal_id=self._terminal_id,
            actor=actor,
            # Free text is masked too: a file named after an ID number must not put it here.
            action=masked_text(action)[:48],
            outcome=masked_text(outcome)[:48],
            id_hash=self._keys.id_hash(person.id_number) if person else "",
            id_masked=mask_id_number(person.id_number) if person else "",
            detail=masked_text(detail)[:200],
            prev_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = keyed_mac(self._mac_key, entry)
        session.add(entry)
        session.flush()
        self._stage_for_fleet(session, entry)
        return entry

    def _stage_for_fleet(self, session: Session, entry: AuditEntry) -> None:
        """The line's outbox items, in the line's own transaction."""
        outbox = self._outbox
        if outbox is None or not outbox.enabled:
            return
        for kind, payload in audit_items(entry, self.key_id):
            outbox.stage(session, kind, payload, entry.at)

    def send_anchor(self, seq: int, mac: str) -> bool:
        """Stage an anchor of entry `seq` for the centre, under the chain's lock and only while
        that entry is still the head: anchors then reach the centre in the chain's order (an
        older one behind a newer one an append staged would look like a cut there)."""
        outbox = self._outbox
        if outbox is None or not outbox.enabled:
            return False
        with self._lock, self._sessions.begin() as session:
            _lock_chain(session)
            last = session.scalars(
                select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
            if last is None or last.seq != seq or last.entry_hash != mac:
                return False  # moved on: the next anchor carries the newer head
            kind, payload = anchor_item(seq, mac, self.key_id)
            outbox.stage(session, kind, payload, datetime.now(UTC))
        return True

    def record(
        self,
        action: str,
        outcome: str,
        person: AuthenticatedPerson | None = None,
        detail: str = "",
        actor: str = "citizen",
    ) -> None:
        with self.transaction() as session:
            self.append(session, action, outcome, person, detail, actor)

    def entries(self, limit: int = 100) -> list[AuditEntry]:
        with self._sessions() as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit))
            return list(rows)

    def count(self, action: str, since: datetime) -> int:
        """How many lines of `action` were written at or after `since` (e.g. today's
        sessions for the attendant panel)."""
        with self._sessions() as session:
            return int(session.scalar(
                select(func.count()).select_from(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.at >= since)
            ) or 0)

    def head(self) -> ChainHead | None:
        with self._sessions() as session:
            last = session.scalars(
                select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
            ).first()
            if last is None:
                return None
            keyed_from = session.scalar(
                select(func.min(AuditEntry.seq)).where(AuditEntry.chain == KEYED)
            )
            return ChainHead(last.seq, last.entry_hash, int(keyed_from or 0))

    def lost_beginning(self) -> bool:
        """Whether the store holds a record older than the log's first line (or any record
        while the log is empty). Certificates and print jobs commit only together with their
        audit line, so such a record means lines were written and later deleted: the log is
        not fresh, and an anchor taken from nothing would bless the cut."""
        with self._sessions() as session:
            first = session.scalar(select(func.min(AuditEntry.at)))
            oldest = [
                session.scalar(select(func.min(IssuedCertificate.issued_at))),
                session.scalar(select(func.min(PrintJob.created_at))),
            ]
        traces = [t for t in oldest if t is not None]
        if not traces:
            return False
        return first is None or min(traces) < first

    def mac_at(self, seq: int) -> str | None:
        with self._sessions() as session:
            return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))

    def macs_at_many(self, seqs: Sequence[int]) -> dict[int, str]:
        """The MAC of each of these entries the log holds (absent ones are left out)."""
        wanted, found = sorted(set(seqs)), {}
        with self._sessions() as session:
            for start in range(0, len(wanted), 500):  # within any driver's parameter limit
                chunk = wanted[start:start + 500]
                for seq, mac in session.execute(select(AuditEntry.seq, AuditEntry.entry_hash)
                                                .where(AuditEntry.seq.in_(chunk))):
                    found[seq] = mac
        return found

    def verify_chain(self, anchors: Sequence[AnchorPoint] = ()) -> ChainReport:
        """Check every link and MAC, then the log's end against each anchor."""
        wanted = {a.seq: a for a in anchors if a.seq > 0}
        keyed_from = max((a.keyed_from for a in anchors), default=0)
        previous, previous_seq, count, legacy, seen_keyed = GENESIS, 0, 0, 0, False
        found: dict[int, str] = {}

        def broken(entry: AuditEntry, why: str) -> ChainReport:
            return ChainReport(count, False, entry.id, entry.seq,
                               f"entry {entry.seq} (row {entry.id}) {why}", legacy)

        with self._sessions() as session:
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
                count += 1
                if entry.seq != previous_seq + 1:
                    return broken(entry, f"follows entry {previous_seq}: "
                                         f"entries {previous_seq + 1}..{entry.seq - 1} are missing")
                if entry.prev_hash != previous:
                    return broken(entry, "does not link to the entry before it")
                if entry.chain == LEGACY and not seen_keyed and not (
                        keyed_from and entry.seq >= keyed_from):
                    legacy += 1
                    good = legacy_digest(entry) == entry.entry_hash
                elif entry.chain == KEYED:
                    seen_keyed = True
                    good = hmac.compare_digest(keyed_mac(self._mac_key, entry), entry.entry_hash)
                else:
                    return broken(entry, "claims the old unkeyed rule inside the keyed chain")
                if not good:
                    return broken(entry, "was altered (its MAC does not match)")
                if entry.seq in wanted:
                    found[entry.seq] = entry.entry_hash
                previous, previous_seq = entry.entry_hash, entry.seq
        for anchor in sorted(wanted.values(), key=lambda a: a.seq):
            if anchor.seq > previous_seq:
                if previous_seq == 0:
                    why = f"every entry was deleted: the anchor vouches for {anchor.seq}"
                else:
                    why = (f"the tail is missing: the log ends at entry {previous_seq} but the "
                           f"anchor vouches for entry {anchor.seq}")
                return ChainReport(count, False, None, previous_seq + 1, why, legacy,
                                   len(wanted), previous_seq)
            if not hmac.compare_digest(found.get(anchor.seq, ""), anchor.mac):
                return ChainReport(count, False, None, anchor.seq,
                                   f"entry {anchor.seq} is not the one the anchor vouches for "
                                   "(the log was cut and written again)", legacy, len(wanted),
                                   previous_seq)
        return ChainReport(count, True, legacy_entries=legacy, anchors_checked=len(wanted),
                           head_seq=previous_seq)

"""Archive copies of sealed certificates, encrypted at rest, and the time-stamp queue.

Every certificate's archive copy is kept here at the level it was issued (B-LT normally, B-T
when the OCSP responder or CRL was down, B-B when the time-stamping authority was). A copy
below B-LTA is waiting: the upkeep (kiosk.seals.ArchiveUpkeep) adds the validation data and
a document time stamp and stores the B-LTA copy in its place. The copy holds a citizen's
data, so it is sealed with a key of the terminal's own (AES-GCM, the verification code as
associated data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.keys import TerminalKeys
from kiosk.store.models import SealArchiveCopy

FINAL_LEVEL = "B-LTA"


@dataclass(frozen=True)
class ArchiveView:
    verification_code: str
    level: str
    updated_at: datetime
    attempts: int
    last_error: str


class SealArchive:
    def __init__(self, sessions: sessionmaker[Session], keys: TerminalKeys) -> None:
        self._sessions = sessions
        self._aead = AESGCM(keys.derive("seal-archive"))

    def _seal(self, code: str, document: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, document, code.encode())

    def _open(self, code: str, blob: bytes) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], code.encode())

    def add(self, verification_code: str, level: str, document: bytes) -> None:
        with self._sessions.begin() as session:
            self.add_in(session, verification_code, level, document)

    def add_in(self, session: Session, verification_code: str, level: str,
               document: bytes) -> None:
        """Keep a copy inside the caller's transaction (the certificate's issuance)."""
        session.add(SealArchiveCopy(
            verification_code=verification_code, level=level,
            updated_at=datetime.now(UTC), attempts=0, last_error="",
            document=self._seal(verification_code, document),
        ))

    def waiting(self, limit: int = 20) -> list[str]:
        """Codes whose copy still needs its document time stamp, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(SealArchiveCopy.verification_code)
                .where(SealArchiveCopy.level != FINAL_LEVEL)
                .order_by(SealArchiveCopy.updated_at).limit(limit)
            )
            return list(rows)

    def due_for_renewal(self, stamped_before: datetime, limit: int = 20) -> list[str]:
        """B-LTA copies whose last document time stamp is older than `stamped_before`: the
        next time stamp must be added while the last one's authority is still trusted."""
        with self._sessions() as session:
            rows = session.scalars(
                select(SealArchiveCopy.verification_code)
                .where(SealArchiveCopy.level == FINAL_LEVEL)
                .where(SealArchiveCopy.updated_at < stamped_before)
                .order_by(SealArchiveCopy.updated_at).limit(limit)
            )
            return list(rows)

    def document(self, verification_code: str) -> bytes | None:
        with self._sessions() as session:
            row = session.get(SealArchiveCopy, verification_code)
            return None if row is None else self._open(verification_code, row.document)

    def view(self, verification_code: str) -> ArchiveView | None:
        with self._sessions() as session:
            row = session.get(SealArchiveCopy, verification_code)
            if row is None:
                return None
            return ArchiveView(row.verification_code, row.level, row.updated_at, row.attempts,
                               row.last_error)

    def upgraded(self, verification_code: str, level: str, document: bytes) -> None:
        with self._sessions.begin() as session:
            self.upgraded_in(session, verification_code, level, document)

    def upgraded_in(self, session: Session, verification_code: str, level: str,
                    document: bytes) -> None:
        """The same inside the caller's transaction (with its audit line)."""
        row = session.get(SealArchiveCopy, verification_code)
        if row is None:
            return
        row.level = level
        row.document = self._seal(verification_code, document)
        row.updated_at = datetime.now(UTC)
        row.last_error = ""

    def failed(self, verification_code: str, reason: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(SealArchiveCopy, verification_code)
            if row is not None:
                row.attempts += 1
                row.last_error = reason[:200]
                row.updated_at = datetime.now(UTC)  # to the back of the queue

    def count_waiting(self) -> int:
        return len(self.waiting(limit=10_000))

"""Retained print jobs: the signed PDF of a job that has not printed yet, encrypted at rest.

A job is kept until it prints (then its document is dropped at once) or until it is older than
the retention window (then `purge_expired` drops it), so an attendant can reprint a certificate
that jammed at night, and the card holder can collect it with the same card, without the
terminal keeping citizens' documents around.

A job carries no holder of its own: it is matched to its holder through the certificate
registry (same verification code), which keeps the keyed hash of the ID number and the masked
name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.keys import TerminalKeys
from kiosk.store.models import IssuedCertificate, PrintJob

PENDING, PRINTED, FAILED, PURGED = "pending", "printed", "failed", "purged"
DEFAULT_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class JobView:
    id: int
    created_at: datetime
    verification_code: str
    title: str
    status: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class WaitingJob:
    """A kept job as staff see it: what, when, for whom (masked) and how it stands."""

    id: int
    created_at: datetime
    verification_code: str
    service_name_zh: str
    holder_masked_name: str
    status: str
    reason: str
    attempts: int


@contextlib.contextmanager
def _within(sessions: sessionmaker[Session], session: Session | None) -> Iterator[Session]:
    """The caller's transaction when given one, else a transaction of our own."""
    if session is not None:
        yield session
        return
    with sessions.begin() as own:
        yield own


def _view(job: PrintJob) -> JobView:
    return JobView(job.id, job.created_at, job.verification_code, job.title, job.status,
                   job.reason, job.attempts)


class RetainedJobs:
    def __init__(
        self, sessions: sessionmaker[Session], keys: TerminalKeys,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._sessions = sessions
        self._keys = keys
        self._aead = AESGCM(keys.derive("print-jobs"))
        self.retention = retention

    def _seal(self, job_code: str, document: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, document, job_code.encode())

    def _open(self, job_code: str, blob: bytes) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], job_code.encode())

    def add(self, verification_code: str, title: str, document: bytes) -> int:
        with self._sessions.begin() as session:
            return self.add_in(session, verification_code, title, document)

    def add_in(self, session: Session, verification_code: str, title: str, document: bytes,
               request_key: str | None = None) -> int:
        """Keep a job inside the caller's transaction (see kiosk.store.issuance)."""
        job = PrintJob(
            created_at=datetime.now(UTC), verification_code=verification_code,
            request_key=request_key or None,
            title=title[:100],  # the column's width (PostgreSQL enforces it; SQLite not)
            status=PENDING, reason="", attempts=0,
            document=self._seal(verification_code, document),
        )
        session.add(job)
        session.flush()
        return job.id

    def for_request(self, request_key: str) -> JobView | None:
        with self._sessions() as session:
            job = session.scalars(
                select(PrintJob).where(PrintJob.request_key == request_key)
            ).first()
            return _view(job) if job else None

    def mark_printed(self, job_id: int, session: Session | None = None) -> None:
        with _within(self._sessions, session) as s:
            s.execute(
                update(PrintJob).where(PrintJob.id == job_id)
                .values(status=PRINTED, document=None, reason="",
                        attempts=PrintJob.attempts + 1)
            )

    def mark_failed(self, job_id: int, reason: str, session: Session | None = None) -> None:
        with _within(self._sessions, session) as s:
            s.execute(
                update(PrintJob).where(PrintJob.id == job_id)
                .values(status=FAILED, reason=reason[:500], attempts=PrintJob.attempts + 1)
            )

    def mark_sending(self, job_id: int, reason: str) -> None:
        """Before the hand-off to the printer: until an outcome is written over it, the job is
        failed with `reason` (a crash in between must not let it print a second time)."""
        with _within(self._sessions, None) as s:
            s.execute(update(PrintJob).where(PrintJob.id == job_id)
                      .values(status=FAILED, reason=reason[:500]))

    def document(self, job_id: int) -> bytes:
        with self._sessions() as session:
            job = session.get(PrintJob, job_id)
            if job is None or job.document is None:
                raise KeyError(f"print job {job_id} has no retained document")
            return self._open(job.verification_code, job.document)

    def get(self, job_id: int) -> JobView | None:
        with self._sessions() as session:
            job = session.get(PrintJob, job_id)
            return _view(job) if job else None

    def unprinted(self) -> list[JobView]:
        with self._sessions() as session:
            rows = session.scalars(
                select(PrintJob).where(PrintJob.status.in_((PENDING, FAILED)))
                .order_by(PrintJob.id.desc())
            )
            return [_view(job) for job in rows]

    def _kept(self, now: datetime | None) -> tuple[Any, ...]:
        """Jobs that still hold a document within the retention window."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        return (PrintJob.status.in_((PENDING, FAILED)), PrintJob.document.is_not(None),
                PrintJob.created_at >= cutoff)

    def waiting(self, now: datetime | None = None) -> list[WaitingJob]:
        """Every kept job, newest first, with its service and masked holder for the staff."""
        with self._sessions() as session:
            rows = session.execute(
                select(PrintJob, IssuedCertificate.service_name_zh,
                       IssuedCertificate.holder_masked_name)
                .outerjoin(IssuedCertificate,
                           IssuedCertificate.verification_code == PrintJob.verification_code)
                .where(*self._kept(now)).order_by(PrintJob.id.desc())
            )
            return [WaitingJob(job.id, job.created_at, job.verification_code,
                               service or job.title, masked or "", job.status, job.reason,
                               job.attempts)
                    for job, service, masked in rows]

    def for_holder(self, id_number: str, now: datetime | None = None) -> list[JobView]:
        """The kept jobs of one card holder, oldest first (matched by the keyed ID hash)."""
        id_hash = self._keys.id_hash(id_number.strip())
        with self._sessions() as session:
            rows = session.scalars(
                select(PrintJob)
                .join(IssuedCertificate,
                      IssuedCertificate.verification_code == PrintJob.verification_code)
                .where(IssuedCertificate.holder_id_hash == id_hash, *self._kept(now))
                .order_by(PrintJob.id)
            )
            return [_view(job) for job in rows]

    def latest(self) -> JobView | None:
        with self._sessions() as session:
            job = session.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(1)).first()
            return _view(job) if job else None

    def purge_expired(self, now: datetime | None = None, audit: Any = None) -> int:
        """Drop kept documents past retention. With `audit` (the store's AuditLog), each
        dropped certificate gets its audit line in the same transaction: an unprinted
        certificate never disappears without a trace."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        transaction = audit.transaction() if audit is not None else self._sessions.begin()
        with transaction as session:
            expired = list(session.scalars(
                select(PrintJob).where(PrintJob.created_at < cutoff,
                                       PrintJob.document.is_not(None))
            ))
            for job in expired:
                job.status, job.document = PURGED, None
                if audit is not None:
                    audit.append(session, "job_purge", "expired", actor="system",
                                 detail=f"{job.verification_code} (unprinted, past retention)")
            return len(expired)


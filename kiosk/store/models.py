"""SQLAlchemy 2 models of the terminal's own records.

Nothing here holds a citizen's data in clear: ID numbers appear only as a keyed hash and a
masked form, names only masked, and retained print jobs only encrypted.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time stored as UTC and always read back as an aware UTC datetime.

    The engines disagree otherwise: SQLite keeps no offset at all (an aware +08:00 value would
    be stored as its wall-clock time and read back naive), while PostgreSQL answers in the
    session's time zone. A naive value is taken to be UTC, which is what SQLite used to assume.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class AuditEntry(Base):
    """One line of the append-only, keyed hash chain (see kiosk.store.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Position in the chain, 1, 2, 3...: covered by the MAC, so a gap shows.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    # "hmac" (HMAC-SHA256 under the audit key) or "sha256" (rows written before the key).
    chain: Mapped[str] = mapped_column(String(8), default="hmac")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    terminal_id: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))  # citizen, attendant, admin, system
    action: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(48))
    id_hash: Mapped[str] = mapped_column(String(64), default="")  # HMAC-SHA256, hex
    id_masked: Mapped[str] = mapped_column(String(24), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class IssuedCertificate(Base):
    """The registry that `certificate verify` and the verification page consult."""

    __tablename__ = "issued_certificates"

    verification_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # XXXX-XXXX-…
    content_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    service_id: Mapped[str] = mapped_column(String(64))
    service_name_zh: Mapped[str] = mapped_column(String(100))
    holder_masked_name: Mapped[str] = mapped_column(String(40))
    holder_id_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    terminal_id: Mapped[str] = mapped_column(String(32))
    seal_id: Mapped[str] = mapped_column(String(64))
    issuer_name_zh: Mapped[str] = mapped_column(String(100), default="")
    demo: Mapped[bool] = mapped_column(default=False)
    # PAdES level reached: B-B (time stamp pending), B-T (no OCSP/CRL yet), B-LT, B-LTA
    # (archive copy time-stamped).
    seal_level: Mapped[str] = mapped_column(String(8), default="B-B")


class SealArchiveCopy(Base):
    """The department's archive copy of a certificate (encrypted at rest). Copies below B-LTA
    are the time-stamp queue: a retry adds validation data and a document time stamp."""

    __tablename__ = "seal_archive"

    verification_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[str] = mapped_column(String(8), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM, nonce first


class PrintJob(Base):
    """A certificate handed to the printer; kept (encrypted) until it has printed, so a job
    that failed at 3 a.m. can be reprinted by the citizen or, later, by the attendant."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The citizen's print request this job answers: at most one job (and so one certificate)
    # per request, whatever retries or hangs (None for jobs made outside a session).
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    verification_code: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(100))  # non-personal: service name and code
    status: Mapped[str] = mapped_column(String(16))  # pending, printed, failed, purged
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # AES-GCM


class Credential(Base):
    """Attendant and admin PINs (argon2 hashes) with their failure counters."""

    __tablename__ = "credentials"

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Lockouts since the last right PIN: each one lasts twice as long as the one before.
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    # The config file's pin_hash last applied, so a restart re-applies it only when it changed.
    config_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


class OutboxItem(Base):
    """Something the fleet's centre must learn, written in the transaction of the event itself
    and deleted once the centre has acknowledged it. `seq` is the terminal's own sequence:
    1, 2, 3... without gaps, in commit order (see kiosk.store.outbox)."""

    __tablename__ = "fleet_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency key
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON; masked IDs only
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxCounter(Base):
    """One row: the last outbox sequence number handed out (kept when items are deleted)."""

    __tablename__ = "fleet_outbox_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

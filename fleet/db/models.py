"""SQLAlchemy 2 models of the central service.

`outbox_events` is the ledger: every event a terminal sent, once, keyed by (terminal, seq) and
(terminal, key). `certificates` and `usage_daily` are projections written in the same
transaction as the ledger row, so they can never disagree with it. No table holds a citizen's
name or ID number in clear.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as UTC, read back aware (SQLite keeps no offset; PostgreSQL answers in its zone)."""

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


# BIGINT on PostgreSQL, INTEGER on SQLite (whose autoincrement wants exactly INTEGER).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Terminal(Base):
    """An enrolled (or about to be) terminal and its credentials, kept only as SHA-256."""

    __tablename__ = "terminals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # outbox: all <= held


class TerminalStatus(Base):
    """The latest heartbeat of a terminal (one row each; history lives in the event ledger)."""

    __tablename__ = "terminal_status"

    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    interval_s: Mapped[float] = mapped_column(Float)  # the interval the centre last asked for
    app_version: Mapped[str] = mapped_column(String(40))
    uptime_s: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    devices: Mapped[list[Any]] = mapped_column(default=list)
    config_hash: Mapped[str] = mapped_column(String(64), default="")
    outbox_length: Mapped[int] = mapped_column(Integer, default=0)
    outbox_oldest_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    in_session: Mapped[bool] = mapped_column(default=False)
    staff_call: Mapped[bool] = mapped_column(default=False)  # a citizen asked for staff
    heartbeats: Mapped[int] = mapped_column(BigInteger, default=0)


class ConfigLayer(Base):
    """The settings of one group or one terminal: only the keys set at that level."""

    __tablename__ = "config_layers"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # group | terminal
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class ConfigChange(Base):
    """Who changed which setting of which group or terminal, when, from what to what."""

    __tablename__ = "config_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(80))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)


class OutboxEventRow(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("terminal_id", "seq", name="uq_outbox_terminal_seq"),
        UniqueConstraint("terminal_id", "key", name="uq_outbox_terminal_key"),
        Index("ix_outbox_kind_time", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column()


class Certificate(Base):
    """The central registry: what the public verification page may show, and no more."""

    __tablename__ = "certificates"

    verification_code: Mapped[str] = mapped_column(String(19), primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    service_name_zh: Mapped[str] = mapped_column(String(100))
    holder_masked_name: Mapped[str] = mapped_column(String(40))
    holder_id_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"), index=True)
    seal_id: Mapped[str] = mapped_column(String(64))
    issuer_name_zh: Mapped[str] = mapped_column(String(100), default="")
    demo: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    revoked_by: Mapped[str] = mapped_column(String(64), default="")


class UsageDaily(Base):
    """Usage counters summed per terminal, service, counter and UTC day."""

    __tablename__ = "usage_daily"

    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class HeldAuditAnchor(Base):
    """An anchor of a terminal's audit chain (its position and MAC at a moment), as received.
    `epoch` counts the chains the centre has seen from the terminal: it moves on when an anchor
    contradicts the ones before it (an alert says so), and later anchors are checked against
    the new chain."""

    __tablename__ = "audit_anchors"
    __table_args__ = (Index("ix_audit_anchors_terminal", "terminal_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"))
    entry_count: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), default="")
    epoch: Mapped[int] = mapped_column(Integer, default=1)
    outbox_seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

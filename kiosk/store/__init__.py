"""The terminal's local records: audit log, certificate registry, retained jobs, credentials.

`Store.open(url, key_dir, terminal_id)` migrates the schema and hands out one object per kind
of record; each opens its own short SQLAlchemy session per call, never a global one. Records
that must be written together (a certificate, its job, its audit line) go through `issuance`.
The audit chain's anchor file lives beside the key (in the data directory); closing a store
that appended audit lines anchors the new head.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from kiosk.store.anchor import (
    ANCHOR_FILE,
    AuditAnchors,
    FileAnchorSink,
    JournalAnchorSink,
    OutboxAnchorSink,
)
from kiosk.store.archive import SealArchive
from kiosk.store.audit import AuditLog
from kiosk.store.credentials import Credentials
from kiosk.store.db import DEFAULT_CONNECT_TIMEOUT_S, make_engine, migrate, session_factory
from kiosk.store.issuance import Issuance
from kiosk.store.jobs import DEFAULT_RETENTION, RetainedJobs
from kiosk.store.keys import TerminalKeys
from kiosk.store.outbox import ItemCheck, Outbox
from kiosk.store.registry import SqlCertificateRegistry


@dataclass
class Store:
    engine: Engine
    keys: TerminalKeys
    audit: AuditLog
    certificates: SqlCertificateRegistry
    jobs: RetainedJobs
    credentials: Credentials
    outbox: Outbox
    issuance: Issuance
    anchors: AuditAnchors
    archive: SealArchive

    @classmethod
    def open(
        cls,
        url: str,
        key_dir: Path,
        terminal_id: str,
        *,
        key_env: str = "",
        pin_max_failures: int = 5,
        pin_lockout: timedelta = timedelta(minutes=5),
        fleet_outbox: bool = False,
        job_retention: timedelta = DEFAULT_RETENTION,
        create_key: bool = True,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    ) -> Store:
        """`create_key` only in the demo: a terminal in service never makes itself a new key
        (TerminalKeyError instead). `connect_timeout_s`: how long a PostgreSQL server may
        take to answer a new connection."""
        keys = TerminalKeys.open(Path(key_dir), key_env, create=create_key)
        engine = make_engine(url, connect_timeout_s)
        migrate(engine)
        sessions = session_factory(engine)
        # Only a terminal that reports to a fleet collects what the centre must learn.
        check: ItemCheck | None = None
        if fleet_outbox:  # items are checked against the protocol before they are kept
            from kiosk.fleet_link.batching import check_item

            check = check_item
        outbox = Outbox(sessions, enabled=fleet_outbox, check=check)
        audit = AuditLog(sessions, keys, terminal_id, outbox)
        certificates = SqlCertificateRegistry(sessions, outbox)
        jobs = RetainedJobs(sessions, keys, job_retention)
        return cls(
            engine=engine,
            keys=keys,
            audit=audit,
            certificates=certificates,
            jobs=jobs,
            credentials=Credentials(
                sessions, max_failures=pin_max_failures, lockout=pin_lockout
            ),
            outbox=outbox,
            issuance=Issuance(audit, certificates, jobs),
            anchors=AuditAnchors(
                audit, FileAnchorSink(Path(key_dir) / ANCHOR_FILE, keys), terminal_id,
                [JournalAnchorSink(), OutboxAnchorSink(audit)] if fleet_outbox else None),
            archive=SealArchive(sessions, keys),
        )

    def close(self) -> None:
        if self.audit.written:
            try:
                self.anchors.anchor("close", file_only=True)
            except Exception:  # a store that cannot anchor still closes
                logging.getLogger(__name__).exception("audit anchor on close failed")
        self.engine.dispose()

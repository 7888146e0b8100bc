"""A certificate's records as one unit of work: registered, kept and audited together or not at all.

On a full disk the terminal once registered a certificate in the public registry that was never
kept for reprinting nor audited. Here the registry entry, the encrypted print job and the audit
line go into one database transaction (the audit chain's locked transaction), so a failure at
any of the three writes leaves none of them. Each later step of the job (printed, failed) is
likewise one transaction with its audit line.

`hooks` run inside that same transaction with the SQLAlchemy session and the record: another
record that must exist exactly when the certificate does (an outbox row for the fleet) is one
more insert there, and its failure rolls the certificate back too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from kiosk.store.audit import AuditLog
from kiosk.store.jobs import RetainedJobs
from kiosk.store.registry import SqlCertificateRegistry
from printing.registry import RegistryEntry
from services_catalog.model import AuthenticatedPerson


@dataclass(frozen=True)
class IssueRecord:
    """What was just written, for hooks: never the document, never the person in clear."""

    entry: RegistryEntry
    job_id: int
    request_key: str | None
    audit_seq: int


IssueHook = Callable[[Session, IssueRecord], None]


@dataclass
class Issuance:
    audit: AuditLog
    registry: SqlCertificateRegistry
    jobs: RetainedJobs
    hooks: list[IssueHook] = field(default_factory=list)

    def record_issue(
        self,
        entry: RegistryEntry,
        title: str,
        document: bytes | None,
        person: AuthenticatedPerson | None,
        *,
        request_key: str | None = None,
        actor: str = "citizen",
    ) -> int:
        """Register the certificate, keep its job and audit it, atomically; the job's id.
        Without a document (a certificate written to a file by an admin tool) no job is kept
        and the id is 0."""
        with self.audit.transaction() as session:
            self.registry.add(session, entry)
            job_id = 0
            if document is not None:
                job_id = self.jobs.add_in(session, entry.verification_code, title, document,
                                          request_key)
            # The line carries the certificate's own issue time, so no registry entry is ever
            # older than its audit line (the anchor's test for a deleted beginning relies on it).
            line = self.audit.append(session, "certificate_issue", "ok", person,
                                     f"{entry.service_id} {entry.verification_code}", actor,
                                     at=entry.issued_at)
            record = IssueRecord(entry, job_id, request_key, line.seq)
            for hook in self.hooks:
                hook(session, record)
        return job_id

    def settle(
        self,
        job_id: int,
        *,
        printed: bool,
        reason: str = "",
        action: str = "print",
        outcome: str = "",
        person: AuthenticatedPerson | None = None,
        detail: str = "",
        actor: str = "citizen",
    ) -> None:
        """Mark a job printed (its document dropped) or failed, with its audit line."""
        with self.audit.transaction() as session:
            if printed:
                self.jobs.mark_printed(job_id, session)
            else:
                self.jobs.mark_failed(job_id, reason, session)
            self.audit.append(session, action, outcome or ("ok" if printed else "failed"),
                              person, detail, actor)

"""The central certificate registry: look-up and revocation (used by routes and fleet-admin)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from fleet.db.models import Certificate
from fleet.protocol import RegistryEntryShape, RegistryLookup

_TABLE = Certificate.__table__


def lookup(session: Session | Connection, code: str) -> RegistryLookup | None:
    """The entry for a code in grouped form, with its revocation, or None. (Core, not the
    ORM: this is what the public page asks for every look-up.)"""
    row = session.execute(select(_TABLE).where(_TABLE.c.verification_code == code)).first()
    if row is None:
        return None
    entry = RegistryEntryShape(
        verification_code=row.verification_code,
        content_sha256=row.content_sha256,
        service_id=row.service_id,
        service_name_zh=row.service_name_zh,
        holder_masked_name=row.holder_masked_name,
        holder_id_hash=row.holder_id_hash,
        issued_at=row.issued_at,
        terminal_id=row.terminal_id,
        seal_id=row.seal_id,
        demo=row.demo,
        pdf_sha256=row.pdf_sha256,
        issuer_name_zh=row.issuer_name_zh,
    )
    return RegistryLookup(entry=entry, revoked=row.revoked_at is not None,
                          revoked_reason=row.revoked_reason, revoked_at=row.revoked_at)


def revoke(session: Session, code: str, *, reason: str, actor: str, now: datetime) -> bool:
    """Mark a certificate revoked (False when the code is unknown). The caller commits.
    Revoking again keeps the first date and reason."""
    row = session.get(Certificate, code, with_for_update=True)
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason[:200]
        row.revoked_by = actor[:64]
    return True

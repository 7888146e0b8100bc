"""The SQL registry of issued certificates (implements printing's CertificateRegistry)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import IssuedCertificate
from kiosk.store.outbox import Outbox, certificate_item
from printing.codes import InvalidVerificationCode, normalize_code
from printing.registry import DuplicateVerificationCode, RegistryEntry

_FIELDS = (
    "verification_code", "content_sha256", "pdf_sha256", "service_id", "service_name_zh",
    "holder_masked_name", "holder_id_hash", "issued_at", "terminal_id", "seal_id", "demo",
    "issuer_name_zh", "seal_level",
)


class SqlCertificateRegistry:
    def __init__(self, sessions: sessionmaker[Session], outbox: Outbox | None = None) -> None:
        self._sessions = sessions
        self._outbox = outbox

    def record(self, entry: RegistryEntry) -> None:
        try:
            with self._sessions.begin() as session:
                self.add(session, entry)
        except IntegrityError:
            raise DuplicateVerificationCode(entry.verification_code) from None

    def add(self, session: Session, entry: RegistryEntry) -> None:
        """Register inside the caller's transaction (see kiosk.store.issuance), with the
        entry's fleet outbox item."""
        values: dict[str, Any] = {name: getattr(entry, name) for name in _FIELDS}
        session.add(IssuedCertificate(**values))
        if self._outbox is not None:
            self._outbox.stage(session, *certificate_item(values), entry.issued_at)

    def lookup(self, verification_code: str) -> RegistryEntry | None:
        """Typed codes are forgiving: case, spaces and dashes do not matter."""
        try:
            code = normalize_code(verification_code)
        except InvalidVerificationCode:
            return None
        with self._sessions() as session:
            row = session.get(IssuedCertificate, code)
            if row is None:
                return None
            values = {name: getattr(row, name) for name in _FIELDS}
        return RegistryEntry(**values)

    def set_seal_level(self, verification_code: str, level: str) -> None:
        with self._sessions.begin() as session:
            self.set_seal_level_in(session, verification_code, level)

    def set_seal_level_in(self, session: Session, verification_code: str, level: str) -> None:
        """The same inside the caller's transaction (with its audit line)."""
        row = session.get(IssuedCertificate, verification_code)
        if row is not None:
            row.seal_level = level

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(IssuedCertificate)) or 0)

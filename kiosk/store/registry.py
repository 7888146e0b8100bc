"""The SQL registry of issued certificates (implements printing's CertificateRegistry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import IssuedCertificate

if TYPE_CHECKING:
    from printing.registry import RegistryEntry

_FIELDS = (
    "verification_code", "content_sha256", "pdf_sha256", "service_id", "service_name_zh",
    "holder_masked_name", "holder_id_hash", "issued_at", "terminal_id", "seal_id", "demo",
)


def normalise_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SqlCertificateRegistry:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, entry: RegistryEntry) -> None:
        values: dict[str, Any] = {name: getattr(entry, name) for name in _FIELDS}
        values["verification_code"] = normalise_code(values["verification_code"])
        with self._sessions.begin() as session:
            session.add(IssuedCertificate(**values))

    def lookup(self, code: str) -> RegistryEntry | None:
        from datetime import UTC

        from printing.registry import RegistryEntry

        with self._sessions() as session:
            row = session.get(IssuedCertificate, normalise_code(code))
            if row is None:
                return None
            values = {name: getattr(row, name) for name in _FIELDS}
        if values["issued_at"].tzinfo is None:  # SQLite keeps no time zone
            values["issued_at"] = values["issued_at"].replace(tzinfo=UTC)
        return RegistryEntry(**values)

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(IssuedCertificate)) or 0)

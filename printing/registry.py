"""The record of every issued certificate, as the verification side needs it.

`CertificateRegistry` is the interface; the kiosk keeps its entries in its database, and
`InMemoryRegistry` serves tests and tools. An entry holds no name or ID number in clear: only
the masked name and a keyed hash of the ID number.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class RegistryEntry:
    verification_code: str  # grouped form, XXXX-XXXX-XXXX-XXXX
    content_sha256: str  # hex; see printing.codes for what is hashed
    service_id: str
    service_name_zh: str
    holder_masked_name: str  # 张*
    holder_id_hash: str  # HMAC-SHA256 hex of the ID number under the terminal's key
    issued_at: datetime  # timezone-aware
    terminal_id: str
    seal_id: str
    demo: bool
    pdf_sha256: str  # hex of the signed PDF as issued
    issuer_name_zh: str = ""  # the issuing department, as on the seal
    # PAdES level reached (printing.signer.LEVELS): B-LT when issued normally, B-T without
    # OCSP/CRL, B-B while the time stamp is pending, B-LTA once the archive copy got its
    # document time stamp.
    seal_level: str = "B-B"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issued_at"] = self.issued_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryEntry:
        values = dict(data)
        if isinstance(values.get("issued_at"), str):
            values["issued_at"] = datetime.fromisoformat(values["issued_at"])
        return cls(**values)


class DuplicateVerificationCode(Exception):
    """A code was recorded twice (80 random bits: a bug, never chance)."""


@runtime_checkable
class CertificateRegistry(Protocol):
    def record(self, entry: RegistryEntry) -> None:
        """Store an entry; raise DuplicateVerificationCode if its code is already there."""

    def lookup(self, verification_code: str) -> RegistryEntry | None:
        """The entry for a code in grouped form, or None."""


class InMemoryRegistry:
    """A thread-safe registry in a dict (tests, tools, a terminal without a database)."""

    def __init__(self) -> None:
        self._entries: dict[str, RegistryEntry] = {}
        self._lock = threading.Lock()

    def record(self, entry: RegistryEntry) -> None:
        with self._lock:
            if entry.verification_code in self._entries:
                raise DuplicateVerificationCode(entry.verification_code)
            self._entries[entry.verification_code] = entry

    def lookup(self, verification_code: str) -> RegistryEntry | None:
        with self._lock:
            return self._entries.get(verification_code)

    def set_seal_level(self, verification_code: str, level: str) -> None:
        import dataclasses

        with self._lock:
            entry = self._entries[verification_code]
            self._entries[verification_code] = dataclasses.replace(entry, seal_level=level)

    def __len__(self) -> int:
        return len(self._entries)

"""Certificate look-ups with a fleet: the centre's registry first, this terminal's second.

The centre knows every terminal's certificates (and which were revoked); this terminal's own
registry still answers while the link is down, and for a certificate issued a moment ago whose
entry is still in the outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from fleet.protocol import RegistryLookup
from kiosk.fleet_link.client import LinkDown, LinkRefused
from printing.codes import InvalidVerificationCode, normalize_code
from printing.registry import CertificateRegistry, RegistryEntry

log = logging.getLogger(__name__)


class LookupPort(Protocol):
    def lookup(self, code: str) -> RegistryLookup | None: ...


class CentralFirstRegistry:
    """A `CertificateRegistry`; `central()` is the enrolled client, or None before enrolment."""

    def __init__(self, central: Callable[[], LookupPort | None],
                 local: CertificateRegistry) -> None:
        self._central = central
        self._local = local
        self._lock = threading.Lock()
        self._revoked: dict[str, RegistryLookup] = {}

    def record(self, entry: RegistryEntry) -> None:
        self._local.record(entry)

    def lookup(self, verification_code: str) -> RegistryEntry | None:
        try:
            code = normalize_code(verification_code)
        except InvalidVerificationCode:
            return None
        found = self._ask_centre(code)
        if found is None:
            return self._local.lookup(code)
        with self._lock:
            if found.revoked:
                self._revoked[code] = found
            else:
                self._revoked.pop(code, None)
        return RegistryEntry(**found.entry.model_dump())

    def revocation(self, verification_code: str) -> RegistryLookup | None:
        """The centre's answer for a code it called revoked at the last look-up, else None."""
        try:
            code = normalize_code(verification_code)
        except InvalidVerificationCode:
            return None
        with self._lock:
            return self._revoked.get(code)

    def _ask_centre(self, code: str) -> RegistryLookup | None:
        client = self._central()
        if client is None:
            return None
        try:
            return client.lookup(code)
        except (LinkDown, LinkRefused) as exc:
            log.info("central registry not asked (%s); the local registry answers", exc)
            return None

"""Attendant and admin PINs: argon2 hashes, with a lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import Credential


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked_until: datetime | None = None
    failures_left: int = 0


class Credentials:
    def __init__(
        self, sessions: sessionmaker[Session], *, max_failures: int = 5,
        lockout: timedelta = timedelta(minutes=5),
    ) -> None:
        self._sessions = sessions
        self._hasher = PasswordHasher()
        self._max_failures = max_failures
        self._lockout = lockout

    def set_pin(self, role: str, pin: str) -> None:
        if not (pin.isdigit() and 6 <= len(pin) <= 12):
            raise ValueError("a PIN is 6 to 12 digits")
        self.set_hash(role, self._hasher.hash(pin))

    def set_hash(self, role: str, pin_hash: str) -> None:
        with self._sessions.begin() as session:
            cred = session.get(Credential, role) or Credential(role=role)
            cred.pin_hash, cred.failures, cred.locked_until = pin_hash, 0, None
            session.add(cred)

    def ensure_hash(self, role: str, pin_hash: str) -> None:
        """Set a hash given in config, unless it is already the stored one (so a restart
        neither resets a lockout nor undoes a PIN changed since)."""
        with self._sessions() as session:
            cred = session.get(Credential, role)
            if cred is not None and cred.pin_hash == pin_hash:
                return
        self.set_hash(role, pin_hash)

    def has(self, role: str) -> bool:
        with self._sessions() as session:
            return session.get(Credential, role) is not None

    def verify(self, role: str, pin: str, now: datetime | None = None) -> PinCheck:
        now = now or datetime.now(UTC)
        with self._sessions.begin() as session:
            cred = session.get(Credential, role)
            if cred is None:
                return PinCheck(False)
            locked = cred.locked_until
            if locked is not None and locked > now:
                return PinCheck(False, locked_until=locked)
            try:
                self._hasher.verify(cred.pin_hash, pin)
            except (VerificationError, InvalidHashError):
                cred.failures += 1
                if cred.failures >= self._max_failures:
                    cred.failures, cred.locked_until = 0, now + self._lockout
                    return PinCheck(False, locked_until=cred.locked_until)
                return PinCheck(False, failures_left=self._max_failures - cred.failures)
            cred.failures, cred.locked_until = 0, None
            return PinCheck(True, failures_left=self._max_failures)

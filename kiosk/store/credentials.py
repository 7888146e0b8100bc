"""Attendant and admin PINs: argon2 hashes, with a lockout after repeated failures that grows.

After `max_failures` wrong PINs the role is locked for `lockout`; every further round of wrong
PINs doubles the lock (5, 10, 20, 40... minutes by default), up to a day, and only the right
PIN resets it. The counters live in the database, so a restart changes nothing. With the
defaults (5 tries, 5 minutes) a guesser gets at most 45 tries in the first 24 hours and 5 a day
after that, instead of about 1,440 a day with a fixed lock: a 6-digit PIN would take centuries.

A `pin_hash` in the config file is applied when it differs from the one last applied from the
config, so editing the config sets the PIN, while a PIN set since with `kiosk-admin attendant
set-pin` survives restarts until the config's pin_hash is edited again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import Credential

MAX_LOCKOUT = timedelta(days=1)


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

    def lockout_for(self, lockouts: int) -> timedelta:
        """The n-th lock in a row (n >= 1): twice as long as the one before, at most a day."""
        doubled: timedelta = self._lockout * (2 ** min(lockouts - 1, 20))
        return min(doubled, MAX_LOCKOUT)

    def set_pin(self, role: str, pin: str) -> None:
        if not (pin.isdigit() and 6 <= len(pin) <= 12):
            raise ValueError("a PIN is 6 to 12 digits")
        self.set_hash(role, self._hasher.hash(pin))

    def set_hash(self, role: str, pin_hash: str) -> None:
        with self._sessions.begin() as session:
            cred = session.get(Credential, role) or Credential(role=role)
            cred.pin_hash, cred.failures, cred.locked_until = pin_hash, 0, None
            cred.lockouts = 0
            session.add(cred)

    def apply_config_hash(self, role: str, pin_hash: str) -> bool:
        """Apply the config file's hash only when it changed since it was last applied (so a
        restart neither resets a lockout nor undoes a PIN set since with the CLI). True when
        it was applied now."""
        with self._sessions.begin() as session:
            cred = session.get(Credential, role)
            if cred is not None and pin_hash in (cred.config_hash, cred.pin_hash):
                cred.config_hash = pin_hash
                return False
            cred = cred or Credential(role=role)
            cred.pin_hash, cred.failures, cred.locked_until = pin_hash, 0, None
            cred.lockouts, cred.config_hash = 0, pin_hash
            session.add(cred)
            return True

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
            longest = now + self.lockout_for(max(cred.lockouts or 0, 1))
            if locked is not None and locked > longest:
                # Further ahead than any lock could be set: the clock was wrong (ahead) when it
                # was set and has since been put right. Keep the lock, but only as long as it
                # would be from now, or a clock fix would lock the attendant out for months.
                cred.locked_until = locked = longest
            if locked is not None and locked > now:
                return PinCheck(False, locked_until=locked)
            try:
                self._hasher.verify(cred.pin_hash, pin)
            except (VerificationError, InvalidHashError):
                cred.failures += 1
                if cred.failures >= self._max_failures:
                    cred.lockouts = (cred.lockouts or 0) + 1
                    cred.failures = 0
                    cred.locked_until = now + self.lockout_for(cred.lockouts)
                    return PinCheck(False, locked_until=cred.locked_until)
                return PinCheck(False, failures_left=self._max_failures - cred.failures)
            cred.failures, cred.locked_until, cred.lockouts = 0, None, 0
            return PinCheck(True, failures_left=self._max_failures)

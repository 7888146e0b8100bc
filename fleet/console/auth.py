"""Staff accounts: argon2 passwords, roles, lockout, server-side sessions and CSRF tokens.

Nothing here knows about HTTP: the routes hand in the token from the cookie and the form.
A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a
copy of the database signs nobody in. Each session carries its own CSRF token, which every
form posts back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fleet.console.models import ROLES, ConsoleAudit, ConsoleSession, ConsoleUser

MAX_FAILURES = 5  # wrong passwords in a row before the account locks
LOCKOUT = timedelta(minutes=15)
IDLE_LIMIT = timedelta(hours=2)  # a forgotten browser on the night desk signs out
SESSION_LIMIT = timedelta(hours=12)  # one shift
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AuthError(Exception):
    """One line for whoever asked: what is wrong."""


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    name: str
    role: str
    csrf: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise AuthError("the password must have at least 10 characters")


def add_user(session: Session, name: str, role: str, password: str, now: datetime,
             actor: str) -> ConsoleUser:
    """Create an account, or set a new password and role for an existing one. The caller
    commits."""
    if role not in ROLES:
        raise AuthError(f"role is one of {', '.join(ROLES)}, not {role!r}")
    if not 1 <= len(name) <= 64 or not name.isprintable() or name.strip() != name:
        raise AuthError("a user name has 1 to 64 printable characters")
    check_password_strength(password)
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
    if user is None:
        user = ConsoleUser(name=name, role=role, created_at=now, failed_logins=0,
                           disabled=False, password_hash="")
        session.add(user)
        action = "user.add"
    else:
        action = "user.reset"
    user.password_hash = _HASHER.hash(password)
    user.role = role
    user.failed_logins = 0
    user.locked_until = None
    record(session, now, actor, action, name, f"role {role}")
    return user


def record(session: Session, now: datetime, actor: str, action: str, target: str = "",
           detail: str = "") -> None:
    """One line of the console's audit trail (the caller commits with the change itself)."""
    session.add(ConsoleAudit(at=now, actor=actor[:64], action=action[:48], target=target[:80],
                             detail=detail[:300]))


def login(session: Session, name: str, password: str, now: datetime) -> str:
    """A new session token for a right name and password; AuthError otherwise. After
    MAX_FAILURES wrong passwords the account refuses even the right one for LOCKOUT."""
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
    if user is None or user.disabled:
        try:
            _HASHER.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise AuthError("wrong name or password")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError("locked")
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            record(session, now, "-", "user.locked", user.name, f"{MAX_FAILURES} failures")
        session.commit()
        raise AuthError("wrong name or password") from None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_digest(token), user_id=user.id,
                               csrf=secrets.token_urlsafe(32), created_at=now,
                               last_seen_at=now))
    record(session, now, user.name, "login")
    session.execute(delete(ConsoleSession).where(
        ConsoleSession.user_id == user.id, ConsoleSession.created_at < now - SESSION_LIMIT))
    session.commit()
    return token


def signed_in(session: Session, token: str, now: datetime) -> SignedIn | None:
    """Who holds this session token, if it is alive (and keeps it alive)."""
    if not token:
        return None
    row = session.execute(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    held, user = row
    if (user.disabled or now - held.last_seen_at > IDLE_LIMIT
            or now - held.created_at > SESSION_LIMIT):
        session.delete(held)
        session.commit()
        return None
    if now - held.last_seen_at > timedelta(minutes=1):  # not a write per page view
        held.last_seen_at = now
        session.commit()
    return SignedIn(user.id, user.name, user.role, held.csrf)


def logout(session: Session, token: str, now: datetime) -> None:
    who = signed_in(session, token, now)
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))
    if who is not None:
        record(session, now, who.name, "logout")
    session.commit()


def csrf_matches(expected: str, posted: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), posted.encode())

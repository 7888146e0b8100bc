"""One-time enrolment tokens and per-terminal secrets.

Both are 256 random bits, so a plain SHA-256 is enough to keep them (nothing to brute-force,
unlike a PIN) and cheap enough to check on every heartbeat. Only the hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "enrol-"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def matches(value: str, stored_digest: str | None) -> bool:
    """Constant-time comparison of a presented value with a stored digest."""
    if not stored_digest:
        return False
    return hmac.compare_digest(digest(value), stored_digest)

"""The terminal's local secret: keys for hashing ID numbers and encrypting retained jobs.

One random 32-byte secret per terminal, in a 0600 file of the data directory (or given by an
environment variable); purpose-specific keys are derived from it so that one never serves two
jobs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


class TerminalKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the terminal secret must be at least 16 bytes")
        self._secret = secret

    @classmethod
    def load_or_create(cls, directory: Path, env_var: str = "") -> TerminalKeys:
        if env_var:
            value = os.environ.get(env_var, "")
            if len(value) < 16:
                # Never fall back on a fresh key file: hashes would stop matching the log's.
                raise ValueError(f"environment variable {env_var} (audit_key_env) must hold "
                                 "the terminal's audit key, at least 16 characters")
            return cls(value.encode("utf-8"))
        path = directory / "terminal.key"
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        return cls(path.read_bytes())

    def derive(self, purpose: str) -> bytes:
        return hmac.new(self._secret, b"gov-kiosk/" + purpose.encode(), hashlib.sha256).digest()

    def id_hash(self, id_number: str) -> str:
        """Keyed hash of an ID number: equal numbers match, but the number cannot be guessed
        back from the log by trying all 10^17 candidates without the key."""
        key = self.derive("id-hash")
        return hmac.new(key, id_number.upper().encode(), hashlib.sha256).hexdigest()

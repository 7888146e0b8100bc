"""The terminal's local secret: keys for hashing ID numbers and encrypting retained jobs.

One random 32-byte secret per terminal, in a 0600 file of the data directory (or given by an
environment variable); purpose-specific keys are derived from it so that one never serves two
jobs. Only the demo creates the file by itself: a terminal in service whose key is gone must
not start with a new one (kept jobs would no longer decrypt, ID hashes would stop matching),
so `kiosk-admin keys init` creates it once and `kiosk-admin keys rotate` replaces it.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "terminal.key"
# After a rotation, the first key lives on here for what must keep matching earlier records:
# ID-number hashes (a citizen's kept certificate, the registry) and the audit chain's MACs.
IDENTITY_FILE = "terminal-identity.key"
# The running terminal holds a shared lock on this file for as long as it encrypts with the key
# it loaded; `keys rotate` needs it exclusively, so it never swaps the key under a running one.
IN_USE_FILE = "terminal.key.in-use"
IDENTITY_PURPOSES = frozenset({"id-hash", "audit-chain", "audit-anchor"})
MIN_SECRET = 16


class TerminalKeyError(ValueError):
    """The terminal key is missing or unusable; the message says what to do."""


class TerminalKeys:
    def __init__(self, secret: bytes, identity: bytes | None = None) -> None:
        if len(secret) < MIN_SECRET or (identity is not None and len(identity) < MIN_SECRET):
            raise ValueError("the terminal secret must be at least 16 bytes")
        self._secret = secret
        self._identity = identity

    @classmethod
    def from_env(cls, env_var: str) -> TerminalKeys:
        value = os.environ.get(env_var, "")
        if len(value) < MIN_SECRET:
            # Never fall back on a fresh key file: hashes would stop matching the log's.
            raise TerminalKeyError(f"environment variable {env_var} (audit_key_env) must hold "
                                   "the terminal's audit key, at least 16 characters")
        return cls(value.encode("utf-8"))

    @classmethod
    def load(cls, directory: Path) -> TerminalKeys:
        """The key file as it is; TerminalKeyError when it is missing or too short."""
        path = Path(directory) / KEY_FILE
        if not path.exists():
            raise TerminalKeyError(
                f"{path} is missing: restore it from the terminal's backup, or on a new "
                "terminal create it with: kiosk-admin keys init"
            )
        secret = path.read_bytes()
        if len(secret) < MIN_SECRET:
            raise TerminalKeyError(f"{path} is damaged ({len(secret)} bytes): restore it from "
                                   "the terminal's backup")
        identity_path = Path(directory) / IDENTITY_FILE
        identity = identity_path.read_bytes() if identity_path.exists() else None
        if identity is not None and len(identity) < MIN_SECRET:
            raise TerminalKeyError(f"{identity_path} is damaged: restore it from the backup")
        keys = cls(secret, identity)
        if identity is None:
            _check_not_rotated(Path(directory), keys)
        return keys

    @classmethod
    def create(cls, directory: Path) -> TerminalKeys:
        """A new key file (0600); refuses to replace one that exists."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(32)
        # Written whole under a private name, then linked into place: link() fails when the
        # name exists, so a second process never sees a key file that is still empty.
        temp = directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secret)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temp, directory / KEY_FILE)
            except FileExistsError:
                raise TerminalKeyError(f"{directory / KEY_FILE} exists already") from None
        finally:
            temp.unlink(missing_ok=True)
        _fsync_directory(directory)
        return cls(secret)

    @classmethod
    def open(cls, directory: Path, env_var: str = "", *, create: bool = False) -> TerminalKeys:
        """The environment's key when `env_var` names one, else the key file; the file is
        created only when `create` (the demo) and it does not exist."""
        if env_var:
            return cls.from_env(env_var)
        if create and not (Path(directory) / KEY_FILE).exists():
            try:
                return cls.create(directory)
            except TerminalKeyError:
                pass  # another process created it a moment ago: use theirs
        return cls.load(directory)

    @classmethod
    def load_or_create(cls, directory: Path, env_var: str = "") -> TerminalKeys:
        return cls.open(directory, env_var, create=True)

    @property
    def identity_secret(self) -> bytes:
        """The secret behind ID hashes and the audit chain: the first key, kept by rotation."""
        return self._identity or self._secret

    def rotated(self, new_secret: bytes) -> TerminalKeys:
        """The keys after a rotation: encryption under the new secret, identity kept."""
        return TerminalKeys(new_secret, self.identity_secret)

    def derive(self, purpose: str) -> bytes:
        base = self.identity_secret if purpose in IDENTITY_PURPOSES else self._secret
        return hmac.new(base, b"gov-kiosk/" + purpose.encode(), hashlib.sha256).digest()

    def id_hash(self, id_number: str) -> str:
        """Keyed hash of an ID number: equal numbers match, but the number cannot be guessed
        back from the log by trying all 10^17 candidates without the key."""
        key = self.derive("id-hash")
        return hmac.new(key, id_number.upper().encode(), hashlib.sha256).hexdigest()


def _fsync_directory(directory: Path) -> None:
    """The new name survives a power cut only once its directory is on disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_not_rotated(directory: Path, keys: TerminalKeys) -> None:
    """Without the identity file the current key stands in for the first one, which is right
    only if the key was never rotated. A retired key (left by every rotation), or an anchor
    file whose MAC this key does not make, says it was: then the identity file was lost, and a
    stand-in would silently break the audit chain and every ID hash."""
    identity_path = directory / IDENTITY_FILE
    retired = sorted(directory.glob(KEY_FILE + ".retired-*"))
    if retired:
        raise TerminalKeyError(f"{identity_path} is missing but the key was rotated "
                               f"({retired[-1].name}): restore it from the terminal's backup")
    from kiosk.store.anchor import ANCHOR_FILE, AnchorError, FileAnchorSink

    try:
        FileAnchorSink(directory / ANCHOR_FILE, keys).load()
    except AnchorError as exc:
        if "altered" in str(exc):
            raise TerminalKeyError(
                f"{identity_path} is missing and the audit anchor does not match "
                "terminal.key (a rotated key, or an altered anchor): restore the identity key "
                "from the terminal's backup") from None


class KeyInUse:
    """A lock on IN_USE_FILE: shared by the running terminal, exclusive for a rotation."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def hold(cls, directory: Path, *, exclusive: bool = False) -> KeyInUse:
        """Shared (the terminal) waits for a rotation to end; exclusive (a rotation) does not
        wait: TerminalKeyError while a terminal holds the key."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / IN_USE_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
        except BlockingIOError:
            os.close(fd)
            raise TerminalKeyError("the terminal is running with this key: stop it first "
                                   "(systemctl stop gov-kiosk)") from None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

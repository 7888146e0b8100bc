"""kiosk-admin keys init | rotate: the terminal key, created and replaced only on purpose.

The terminal key encrypts kept print jobs and seal archive copies, hashes ID numbers and
keys the audit chain. A terminal in service never makes itself a new one: `init` creates it
on a new terminal; `rotate` replaces the encryption key, re-encrypting every kept document in
one transaction, and keeps the first key (terminal-identity.key) for ID hashes and the audit
chain, so earlier records still match and the chain still verifies; the old file stays as
terminal.key.retired-<time>; an audit line says it happened.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.cli import CliError
from kiosk.config import ConfigError, Settings, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("keys", help="the terminal key")
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    p = sub.add_parser("init", help="create the terminal key of a new terminal")
    p.set_defaults(handler=cmd_init)
    p = sub.add_parser("rotate", help="replace the terminal key, re-encrypting kept documents")
    p.set_defaults(handler=cmd_rotate)


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def cmd_init(args: argparse.Namespace) -> int:
    from kiosk.store.keys import KEY_FILE, TerminalKeyError, TerminalKeys

    settings = _settings(args)
    if settings.audit_key_env:
        raise CliError(f"this terminal's key comes from the environment variable "
                       f"{settings.audit_key_env} (audit_key_env); there is no file to create")
    directory = settings.resolved_data_dir()
    from kiosk.cli.data_owner import act_as_data_dir_owner
    from kiosk.data_mode import claim_data_dir

    act_as_data_dir_owner(directory)
    for line in claim_data_dir(settings):
        print(f"leaving demo mode: dropped {line}")
    try:
        TerminalKeys.create(directory)
    except TerminalKeyError as exc:
        raise CliError(f"{exc}; to replace it use: kiosk-admin keys rotate") from None
    except OSError as exc:
        raise CliError(f"cannot create {directory / KEY_FILE}: {exc.strerror or exc}") from None
    print(f"created {directory / KEY_FILE}; back it up with the terminal's other secrets")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    import secrets

    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.cli.services import open_store
    from kiosk.store.keys import IDENTITY_FILE, KEY_FILE, KeyInUse, TerminalKeyError

    settings = _settings(args)
    if settings.audit_key_env:
        raise CliError(f"this terminal's key comes from {settings.audit_key_env} "
                       "(audit_key_env), which also keys the audit chain; it is not rotated "
                       "here")
    directory = settings.resolved_data_dir()
    key_path, new_path = directory / KEY_FILE, directory / (KEY_FILE + ".new")
    identity_path = directory / IDENTITY_FILE
    retired = directory / f"{KEY_FILE}.retired-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    try:  # a running terminal would go on encrypting kept jobs with the old key
        in_use = KeyInUse.hold(directory, exclusive=True)
    except TerminalKeyError as exc:
        raise CliError(f"key rotation refused, nothing changed: {exc}") from None
    try:
        store = open_store(settings)  # the current key: refuses when it is missing
        try:
            old = store.keys
            new = old.rotated(secrets.token_bytes(32))
            _write_secret(new_path, new._secret)
            if not identity_path.exists():  # the same identity either way: safe before commit
                _write_secret(identity_path, old.identity_secret)
            # Documents and the audit line (with its fleet item) commit together; the key file
            # is swapped only after that commit, so a failed one leaves the old key in place.
            with store.audit.transaction() as session:
                counts = reencrypt(session, old, new)
                detail = ", ".join(f"{n} {what}" for what, n in counts.items())
                store.audit.append(session, "key_rotate", "ok", actor="admin",
                                   detail=f"re-encrypted {detail}")
        except (OSError, SQLAlchemyError) as exc:
            new_path.unlink(missing_ok=True)
            reason = exc.strerror if isinstance(exc, OSError) else type(exc).__name__
            raise CliError(f"key rotation failed, nothing changed: {reason or exc}") from None
        finally:
            store.close()
        try:
            os.link(key_path, retired)
            os.replace(new_path, key_path)
        except OSError as exc:
            raise CliError(f"documents were re-encrypted under {new_path.name} but it could not "
                           f"replace {key_path.name} ({exc.strerror or exc}): move it there by "
                           "hand before starting the terminal") from None
    finally:
        in_use.release()
    print(f"{key_path} replaced (re-encrypted {detail}); the old key is kept as "
          f"{retired.name}; restart the terminal")
    return 0


def reencrypt(session: Any, old: Any, new: Any) -> dict[str, int]:
    """Every document kept encrypted (print jobs, seal archive copies) from the old key to the
    new one, inside the caller's transaction. The blobs are nonce + AES-GCM with the
    verification code as associated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from sqlalchemy import select

    from kiosk.store.models import PrintJob, SealArchiveCopy

    counts: dict[str, int] = {}
    for what, model, purpose in (("kept print jobs", PrintJob, "print-jobs"),
                                 ("archive copies", SealArchiveCopy, "seal-archive")):
        before, after = AESGCM(old.derive(purpose)), AESGCM(new.derive(purpose))
        rows = list(session.scalars(select(model).where(model.document.is_not(None))))
        for row in rows:
            code = row.verification_code.encode()
            document = before.decrypt(row.document[:12], row.document[12:], code)
            nonce = os.urandom(12)
            row.document = nonce + after.encrypt(nonce, document, code)
        counts[what] = len(rows)
    return counts


def _write_secret(path: Path, secret: bytes) -> None:
    path.unlink(missing_ok=True)  # a rotation that stopped halfway left it
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
        out.flush()
        os.fsync(out.fileno())

"""kiosk-admin keys init | rotate: the terminal key, created and replaced only on purpose.

The terminal key hashes ID numbers in the audit log and registry and encrypts kept print
jobs. A terminal in service never makes itself a new one; `init` creates it on a new
terminal, `rotate` replaces it, re-encrypting every kept job, keeping the old key beside it
(retired, 0600) so earlier ID hashes can still be matched, and writing an audit line.
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
    p = sub.add_parser("rotate", help="replace the terminal key, re-encrypting kept jobs")
    p.add_argument("--new-key-env", metavar="NAME",
                   help="with audit_key_env: the environment variable holding the new key "
                   "(then put it in the variable audit_key_env names)")
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
    from kiosk.data_mode import claim_data_dir

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
    from kiosk.cli.services import open_store
    from kiosk.store.audit import AuditLog
    from kiosk.store.db import session_factory
    from kiosk.store.jobs import rekey_jobs
    from kiosk.store.keys import KEY_FILE, TerminalKeyError, TerminalKeys

    settings = _settings(args)
    directory = settings.resolved_data_dir()
    key_path = directory / KEY_FILE
    if settings.audit_key_env:
        if not args.new_key_env:
            raise CliError(f"the key comes from {settings.audit_key_env} (audit_key_env): give "
                           "the new one in another variable with --new-key-env NAME")
        try:
            new = TerminalKeys.from_env(args.new_key_env)
        except TerminalKeyError as exc:
            raise CliError(str(exc).replace("(audit_key_env) ", "(--new-key-env) ")) from None
        if os.environ.get(args.new_key_env) == os.environ.get(settings.audit_key_env):
            raise CliError(f"{args.new_key_env} holds the same key as {settings.audit_key_env}")
        new_file = None
    elif args.new_key_env:
        raise CliError("--new-key-env is for a key kept in the environment (audit_key_env)")
    else:
        import secrets

        new_file = directory / (KEY_FILE + ".new")
        secret = secrets.token_bytes(32)
        new = TerminalKeys(secret)
    store = open_store(settings)  # the current key: refuses when it is missing
    retired = directory / f"{KEY_FILE}.retired-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    try:
        if new_file is not None:
            _write_secret(new_file, secret)
        # The key file is swapped inside the jobs' transaction: a failed swap rolls the
        # re-encryption back, so jobs and key never disagree.
        with session_factory(store.engine).begin() as session:
            count = rekey_jobs(session, store.keys, new)
            if new_file is not None:
                os.link(key_path, retired)
                os.replace(new_file, key_path)
        audit = AuditLog(session_factory(store.engine), new, settings.terminal_id)
        audit.record("key_rotate", "ok", actor="admin", detail=f"{count} kept jobs")
    except OSError as exc:
        raise CliError(f"key rotation failed: {exc.strerror or exc}") from None
    finally:
        store.close()
    if new_file is None:
        print(f"{count} kept jobs re-encrypted; now put the new key in {settings.audit_key_env} "
              "(e.g. in /etc/gov-kiosk/secrets.env) and restart the terminal")
    else:
        print(f"{key_path} replaced ({count} kept jobs re-encrypted; the old key is kept as "
              f"{retired.name}); restart the terminal")
    return 0


def _write_secret(path: Path, secret: bytes) -> None:
    path.unlink(missing_ok=True)  # a rotation that stopped halfway left it
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
        out.flush()
        os.fsync(out.fileno())

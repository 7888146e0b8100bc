"""Which mode a data directory belongs to, and what leaving demo mode drops from it.

The demo writes a PIN printed in the README, a terminal key, a demo CA with seal keys, demo
certificates and printed PDFs in clear. None of that may follow a terminal into service: the
first start in service (or admin command) on a demo data dir removes it, and a demo run on a
data dir in service is refused rather than mixing demo records into real ones.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from kiosk.config import ConfigError, Settings, read_bounded_file
from kiosk.switch_file import FILE_NAME as SWITCH_FILE

log = logging.getLogger(__name__)

MODE_FILE = "mode"  # "demo" or "service", written at the first start
DEMO_PKI_DIR = "demo-pki"
DEMO_LEFTOVERS = (DEMO_PKI_DIR, "printed")  # demo CA and seal keys; PDFs of the file sink
# Key material the demo made beside terminal.key: the anchor of its audit chain (under the demo
# key: a terminal in service could never move it) and the identity key a rotation keeps.
DEMO_KEY_FILES = ("terminal.key", "terminal-identity.key", "audit-anchor.json")
SQLITE_NAME = "kiosk.sqlite3"


def recorded_mode(data_dir: Path) -> str | None:
    """'demo', 'service', or None for a fresh dir. A dir from before the mode file existed
    counts as a demo dir when the demo CA is there (only the demo makes one)."""
    path = data_dir / MODE_FILE
    try:
        # Bounded and never blocking: a FIFO or /dev/zero put here must not hang the start
        # or an admin command (it raises ConfigError naming the file).
        data = read_bounded_file(path)
    except FileNotFoundError:
        return "demo" if (data_dir / DEMO_PKI_DIR).exists() else None
    text = data.decode("utf-8", errors="replace").strip()
    return text if text in ("demo", "service") else None


def has_demo_leftovers(settings: Settings) -> bool:
    return not settings.demo and recorded_mode(settings.resolved_data_dir()) == "demo"


def claim_data_dir(settings: Settings) -> list[str]:
    """Make the data dir this mode's before anything else uses it; returns what was dropped.

    Outside demo mode a demo dir loses the demo's database (when it is the default SQLite file
    there), terminal key, demo CA and printed PDFs. A demo on a dir in service is refused."""
    data_dir = settings.resolved_data_dir()
    mode = recorded_mode(data_dir)
    dropped: list[str] = []
    if settings.demo:
        if mode == "service":
            raise ConfigError(f"{data_dir} belongs to a terminal in service; run the demo with a "
                              "data dir of its own (data_dir, or GOV_KIOSK_DATA_DIR)")
    elif mode == "demo":
        dropped = _drop_demo_data(settings, data_dir)
        for line in dropped:
            log.warning("leaving demo mode: dropped %s", line)
    wanted = "demo" if settings.demo else "service"
    if mode != wanted:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / MODE_FILE).write_text(wanted + "\n", encoding="utf-8")
    return dropped


def _drop_demo_data(settings: Settings, data_dir: Path) -> list[str]:
    dropped = []
    for name in DEMO_LEFTOVERS:
        path = data_dir / name
        if path.exists():
            shutil.rmtree(path)
            dropped.append(str(path))
    database = data_dir / SQLITE_NAME
    if settings.resolved_database_url() == f"sqlite:///{database}":
        for suffix in ("", "-wal", "-shm"):
            part = database.with_name(database.name + suffix)
            if part.exists():
                part.unlink()
                if not suffix:
                    dropped.append(f"{database} (demo PINs, sessions and certificates)")
    else:
        dropped.extend(_drop_demo_records(settings, data_dir))  # needs the demo key: before it goes
    for name in DEMO_KEY_FILES:
        key = data_dir / name
        if key.exists():
            key.unlink()
            dropped.append(f"{key} (made by the demo)")
    # The demo can switch on any service (it needs no back-end): in service, those switches
    # would refuse the first start. The terminal starts from its config file's switches.
    switches = data_dir / SWITCH_FILE
    if switches.exists() or switches.is_symlink():
        switches.unlink()
        dropped.append(f"{switches} (the demo's service switches)")
    return dropped


def _drop_demo_records(settings: Settings, data_dir: Path) -> list[str]:
    """An external database keeps its real records; what the demo made under its own key goes
    with that key: both demo PINs (printed in the README), and the demo's audit lines, print
    jobs, registry entries and archive copies (keyed or encrypted under the dropped demo key, so
    a terminal in service could neither verify nor decrypt them; their chain restarts at 1).
    Those records go only when the whole audit log verifies under the demo key, i.e. nothing in
    it was written by a terminal in service (a shared database keeps everything, said in the
    log)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError
    from sqlalchemy import delete, func, select

    from kiosk.runtime import DEMO_ADMIN_PIN, DEMO_ATTENDANT_PIN
    from kiosk.store.audit import AuditLog
    from kiosk.store.db import make_engine, migrate, session_factory
    from kiosk.store.keys import TerminalKeyError, TerminalKeys
    from kiosk.store.models import (
        AuditEntry,
        Credential,
        IssuedCertificate,
        PrintJob,
        SealArchiveCopy,
    )

    hasher = PasswordHasher()
    engine = make_engine(settings.resolved_database_url(),
                         settings.database_connect_timeout_s)
    dropped = []
    try:
        migrate(engine)
        with session_factory(engine).begin() as session:
            for cred in session.scalars(select(Credential)):
                if any(_is_pin(hasher, cred.pin_hash, pin, (VerificationError, InvalidHashError))
                       for pin in (DEMO_ATTENDANT_PIN, DEMO_ADMIN_PIN)):
                    session.delete(cred)
                    dropped.append(f"the demo {cred.role} PIN")
        try:
            demo_keys = TerminalKeys.load(data_dir)
        except TerminalKeyError:
            demo_keys = None
        sessions = session_factory(engine)
        if demo_keys is None or not AuditLog(sessions, demo_keys, "").verify_chain().intact:
            log.warning("leaving demo mode: the audit log holds lines not under the demo key; "
                        "the demo's records are kept")
            return dropped
        with sessions.begin() as session:
            for model, what in ((AuditEntry, "audit lines"), (PrintJob, "print jobs"),
                                (IssuedCertificate, "registry entries"),
                                (SealArchiveCopy, "archive copies")):
                count = session.scalar(select(func.count()).select_from(model)) or 0
                if count:
                    session.execute(delete(model))
                    dropped.append(f"the demo's {count} {what} (under the demo key)")
    finally:
        engine.dispose()
    return dropped


def _is_pin(hasher: object, pin_hash: str, pin: str, errors: tuple[type[Exception], ...]) -> bool:
    try:
        return bool(hasher.verify(pin_hash, pin))  # type: ignore[attr-defined]
    except errors:
        return False

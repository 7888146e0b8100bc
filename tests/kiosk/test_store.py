"""The local store: migrations, the hash-chained audit log, retained jobs, PINs, crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kiosk.store import Store
from services_catalog.model import AuthenticatedPerson

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path / "keys", "T-1")
    yield s
    s.close()


def test_migration_creates_every_table_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    first = Store.open(url, tmp_path, "T-1")
    first.close()
    again = Store.open(url, tmp_path, "T-1")
    tables = set(inspect(again.engine).get_table_names())
    assert {"audit_log", "issued_certificates", "print_jobs", "credentials",
            "alembic_version"} <= tables
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_audit_log_never_stores_the_id_number_or_name_in_clear(
    store: Store, tmp_path: Path
) -> None:
    store.audit.record("query", "ok", PERSON, "real_estate.registration_info")
    entry = store.audit.entries()[0]
    assert entry.id_masked == "4104**********1238"
    assert len(entry.id_hash) == 64 and entry.id_hash == store.keys.id_hash(PERSON.id_number)
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("k.sqlite3*"))
    assert b"410402198805201238" not in raw
    assert "张伟".encode() not in raw


def test_audit_chain_detects_an_edited_line(store: Store, tmp_path: Path) -> None:
    for outcome in ("ok", "BackendTimeout", "ok"):
        store.audit.record("query", outcome, PERSON)
    assert store.audit.verify_chain().intact
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        db.execute("UPDATE audit_log SET outcome = 'ok' WHERE id = 2")
    report = store.audit.verify_chain()
    assert not report.intact and report.first_broken_id == 2


def test_audit_chain_detects_a_deleted_line(store: Store, tmp_path: Path) -> None:
    for _ in range(3):
        store.audit.record("card_read", "ok", PERSON)
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        db.execute("DELETE FROM audit_log WHERE id = 2")
    report = store.audit.verify_chain()
    assert not report.intact and report.first_broken_id == 3


def test_retained_job_is_encrypted_and_dropped_once_printed(
    store: Store, tmp_path: Path
) -> None:
    pdf = b"%PDF-1.7 certificate of 410402198805201238"
    job_id = store.jobs.add("ABCD-EFGH", "不动产登记信息 ABCD-EFGH", pdf)
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        blob = db.execute("SELECT document FROM print_jobs").fetchone()[0]
    assert b"410402198805201238" not in blob and b"%PDF" not in blob
    assert store.jobs.document(job_id) == pdf
    store.jobs.mark_failed(job_id, "paper out")
    assert [j.id for j in store.jobs.unprinted()] == [job_id]
    store.jobs.mark_printed(job_id)
    assert store.jobs.unprinted() == []
    with pytest.raises(KeyError):
        store.jobs.document(job_id)


def test_old_retained_jobs_are_purged(store: Store) -> None:
    job_id = store.jobs.add("CODE", "t", b"%PDF")
    assert store.jobs.purge_expired(datetime.now(UTC) + timedelta(days=4)) == 1
    view = store.jobs.get(job_id)
    assert view is not None and view.status == "purged"


def test_pin_lockout_after_repeated_failures(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T",
                       pin_max_failures=3, pin_lockout=timedelta(minutes=5))
    store.credentials.set_pin("attendant", "246810")
    now = datetime.now(UTC)
    assert store.credentials.verify("attendant", "246810", now).ok
    assert store.credentials.verify("attendant", "000000", now).failures_left == 2
    store.credentials.verify("attendant", "000000", now)
    locked = store.credentials.verify("attendant", "000000", now)
    assert not locked.ok and locked.locked_until is not None
    # Even the right PIN is refused while locked, and accepted after the lockout.
    assert not store.credentials.verify("attendant", "246810", now + timedelta(minutes=1)).ok
    assert store.credentials.verify("attendant", "246810", now + timedelta(minutes=6)).ok
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        stored = db.execute("SELECT pin_hash FROM credentials").fetchone()[0]
    assert stored.startswith("$argon2") and "246810" not in stored
    store.close()


def test_audit_log_survives_a_killed_process(tmp_path: Path) -> None:
    """A terminal that loses power mid-write keeps every committed entry and an intact chain."""
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from kiosk.store import Store
        from services_catalog.model import AuthenticatedPerson
        store = Store.open({f"sqlite:///{tmp_path / 'k.sqlite3'}"!r}, {str(tmp_path)!r}, "T")
        person = AuthenticatedPerson("410402198805201238", "x")
        i = 0
        while True:
            store.audit.record("query", "ok", person, str(i))
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reopened = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T")
    report = reopened.audit.verify_chain()
    assert report.intact and report.entries >= 20
    reopened.close()

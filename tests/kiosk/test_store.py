"""The local store on SQLite and on PostgreSQL: migrations, the hash-chained audit log,
retained jobs, PINs, crashes. Every test that is not about one engine runs on both."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text, update

from kiosk.store import Store
from kiosk.store.db import MIGRATIONS
from kiosk.store.models import AuditEntry, PrintJob
from printing.registry import DuplicateVerificationCode, RegistryEntry
from services_catalog.model import AuthenticatedPerson
from tests.kiosk.pg_server import PostgresServer, postgres_server  # noqa: F401 (fixture)

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    disk_bytes: Callable[[], bytes]  # everything the database engine has written to disk

    def open(self, key_dir: Path, terminal_id: str = "T-1", **options: Any) -> Store:
        return Store.open(self.url, key_dir, terminal_id, **options)


def sql(store: Store, statement: str) -> list[Any]:
    """Run raw SQL behind the store's back (as an intruder or a tool would)."""
    with store.engine.begin() as connection:
        result = connection.execute(text(statement))
        return list(result) if result.returns_rows else []


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend(
            "sqlite",
            f"sqlite:///{tmp_path / 'k.sqlite3'}",
            lambda: b"".join(p.read_bytes() for p in tmp_path.glob("k.sqlite3*")),
        )
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    request.addfinalizer(lambda: server.drop_database(name))
    return Backend("postgresql", server.url(name), server.files_bytes)


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[Store]:
    s = backend.open(tmp_path / "keys")
    yield s
    s.close()


def test_migration_creates_every_table_and_is_idempotent(backend: Backend, tmp_path: Path) -> None:
    first = backend.open(tmp_path)
    first.audit.record("boot", "ok")
    first.close()
    again = backend.open(tmp_path)
    tables = set(inspect(again.engine).get_table_names())
    assert {
        "audit_log",
        "issued_certificates",
        "print_jobs",
        "credentials",
        "fleet_outbox",
        "alembic_version",
    } <= tables
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()  # exactly one head
    assert sql(again, "SELECT version_num FROM alembic_version") == [(head,)]
    assert again.audit.verify_chain().entries == 1  # migrating again kept the data
    again.close()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1").close()
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_audit_log_never_stores_the_id_number_or_name_in_clear(
    backend: Backend, store: Store
) -> None:
    store.audit.record("query", "ok", PERSON, "real_estate.registration_info")
    entry = store.audit.entries()[0]
    assert entry.id_masked == "4104**********1238"
    assert len(entry.id_hash) == 64 and entry.id_hash == store.keys.id_hash(PERSON.id_number)
    store.close()
    raw = backend.disk_bytes()
    assert b"real_estate.registration_info" in raw  # the check would see a leak
    assert b"410402198805201238" not in raw
    assert "张伟".encode() not in raw


def test_an_id_number_in_free_text_is_masked_in_the_audit_log(store: Store) -> None:
    store.audit.record("certificate_verify", "valid", detail="410402198805201238.pdf")
    assert store.audit.entries(1)[0].detail == "4104**********1238.pdf"
    assert store.audit.verify_chain().intact


def test_audit_chain_detects_an_edited_line(store: Store) -> None:
    for outcome in ("ok", "BackendTimeout", "ok"):
        store.audit.record("query", outcome, PERSON)
    report = store.audit.verify_chain()
    assert report.intact and report.entries == 3
    sql(store, "UPDATE audit_log SET outcome = 'ok' WHERE id = 2")
    report = store.audit.verify_chain()
    assert not report.intact and report.first_broken_id == 2


def test_audit_chain_detects_a_deleted_line(store: Store) -> None:
    for _ in range(3):
        store.audit.record("card_read", "ok", PERSON)
    sql(store, "DELETE FROM audit_log WHERE id = 2")
    report = store.audit.verify_chain()
    assert not report.intact and report.first_broken_id == 3


def test_audit_chain_detects_a_shifted_timestamp(store: Store) -> None:
    """The time is part of the hash: moving an entry by one second breaks the chain."""
    store.audit.record("card_read", "ok", PERSON)
    store.audit.record("query", "ok", PERSON)
    entry = store.audit.entries(1)[0]
    store.audit.record("query", "ok", PERSON)
    with store.engine.begin() as connection:
        connection.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(at=entry.at + timedelta(seconds=1))
        )
    report = store.audit.verify_chain()
    assert not report.intact and report.first_broken_id == entry.id


def test_retained_job_is_encrypted_and_dropped_once_printed(store: Store) -> None:
    pdf = b"%PDF-1.7 certificate of 410402198805201238"
    job_id = store.jobs.add("ABCD-EFGH", "不动产登记信息 ABCD-EFGH", pdf)
    blob = bytes(sql(store, "SELECT document FROM print_jobs")[0][0])
    assert b"410402198805201238" not in blob and b"%PDF" not in blob
    assert store.jobs.document(job_id) == pdf
    store.jobs.mark_failed(job_id, "paper out")
    assert [j.id for j in store.jobs.unprinted()] == [job_id]
    store.jobs.mark_printed(job_id)
    assert store.jobs.unprinted() == []
    assert sql(store, "SELECT status, attempts, document FROM print_jobs") == [("printed", 2, None)]
    with pytest.raises(KeyError):
        store.jobs.document(job_id)


def test_a_long_job_title_is_cut_to_the_column_width(store: Store) -> None:
    job_id = store.jobs.add("ABCD-EFGH", "长" * 150, b"%PDF")
    view = store.jobs.get(job_id)
    assert view is not None and view.title == "长" * 100


def test_old_retained_jobs_are_purged(store: Store) -> None:
    job_id = store.jobs.add("CODE", "t", b"%PDF")
    fresh_id = store.jobs.add("CODE2", "t", b"%PDF")
    assert store.jobs.purge_expired(datetime.now(UTC) + timedelta(days=1)) == 0
    # Backdate one job by a day: six and a half days on, only it is past the 7-day window.
    view = store.jobs.get(job_id)
    assert view is not None
    with store.engine.begin() as connection:
        connection.execute(
            update(PrintJob)
            .where(PrintJob.id == job_id)
            .values(created_at=view.created_at - timedelta(days=1))
        )
    assert store.jobs.purge_expired(datetime.now(UTC) + timedelta(days=6, hours=12),
                                    audit=store.audit) == 1
    (line,) = store.audit.entries(1)  # the dropped certificate leaves an audit line
    assert line.action == "job_purge" and line.detail.startswith("CODE ")
    view, fresh = store.jobs.get(job_id), store.jobs.get(fresh_id)
    assert view is not None and view.status == "purged"
    assert fresh is not None and fresh.status == "pending"
    assert view.created_at.tzinfo is not None and view.created_at.utcoffset() == timedelta(0)


def test_pin_lockout_after_repeated_failures(backend: Backend, tmp_path: Path) -> None:
    store = backend.open(tmp_path, "T", pin_max_failures=3, pin_lockout=timedelta(minutes=5))
    store.credentials.set_pin("attendant", "246810")
    now = datetime.now(UTC)
    assert store.credentials.verify("attendant", "246810", now).ok
    assert store.credentials.verify("attendant", "000000", now).failures_left == 2
    store.credentials.verify("attendant", "000000", now)
    locked = store.credentials.verify("attendant", "000000", now)
    assert not locked.ok and locked.locked_until == now + timedelta(minutes=5)
    # Even the right PIN is refused while locked, and accepted after the lockout.
    refused = store.credentials.verify("attendant", "246810", now + timedelta(minutes=1))
    assert not refused.ok and refused.locked_until == now + timedelta(minutes=5)
    assert store.credentials.verify("attendant", "246810", now + timedelta(minutes=6)).ok
    stored = sql(store, "SELECT pin_hash FROM credentials")[0][0]
    assert stored.startswith("$argon2") and "246810" not in stored
    store.close()


def test_audit_log_survives_a_killed_process(backend: Backend, tmp_path: Path) -> None:
    """A terminal that loses power mid-write keeps every committed entry and an intact chain."""
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from kiosk.store import Store
        from services_catalog.model import AuthenticatedPerson
        store = Store.open({backend.url!r}, {str(tmp_path)!r}, "T")
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
    reopened = backend.open(tmp_path, "T")
    report = reopened.audit.verify_chain()
    assert report.intact and report.entries >= 20
    reopened.close()


def test_two_writers_on_one_database_keep_the_audit_chain_linear(
    backend: Backend, tmp_path: Path
) -> None:
    """Two stores on one database (two processes, or two terminals on one PostgreSQL) do not
    share the in-process lock; the database's own lock keeps them from forking the chain."""
    stores = [backend.open(tmp_path / "keys", f"T-{n}") for n in (1, 2)]
    start = threading.Barrier(2)

    def write(store: Store) -> None:
        start.wait()
        for i in range(25):
            store.audit.record("query", "ok", PERSON, str(i))

    threads = [threading.Thread(target=write, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = stores[0].audit.verify_chain()
    prev_hashes = sql(stores[0], "SELECT prev_hash FROM audit_log")
    for s in stores:
        s.close()
    assert len(set(prev_hashes)) == len(prev_hashes) == 50  # no entry has two successors
    assert report.intact and report.entries == 50


def _certificate(code: str, issued_at: datetime) -> RegistryEntry:
    return RegistryEntry(
        verification_code=code,
        content_sha256="a" * 64,
        service_id="real_estate.registration_info",
        service_name_zh="不动产登记信息查询",
        holder_masked_name="张*",
        holder_id_hash="b" * 64,
        issued_at=issued_at,
        terminal_id="T-1",
        seal_id="real_estate_bureau",
        demo=True,
        pdf_sha256="c" * 64,
        issuer_name_zh="不动产登记中心",
    )


def test_certificate_registry_round_trip_keeps_the_instant(store: Store) -> None:
    beijing = timezone(timedelta(hours=8))
    entry = _certificate("ABCD-EFGH-JKMN-PQRS", datetime(2026, 3, 1, 0, 30, 5, tzinfo=beijing))
    store.certificates.record(entry)
    found = store.certificates.lookup("abcd efgh jkmn pqrs")  # as a citizen might type it
    assert found == entry  # the same instant, every field intact
    assert found is not None and found.issued_at.utcoffset() == timedelta(0)
    assert found.issued_at == datetime(2026, 2, 28, 16, 30, 5, tzinfo=UTC)
    assert store.certificates.lookup("ZZZZ-ZZZZ-ZZZZ-ZZZZ") is None
    assert store.certificates.count() == 1


def test_certificate_registry_refuses_a_duplicate_code(store: Store) -> None:
    first = _certificate("ABCD-EFGH-JKMN-PQRS", datetime.now(UTC))
    store.certificates.record(first)
    with pytest.raises(DuplicateVerificationCode):
        store.certificates.record(_certificate("ABCD-EFGH-JKMN-PQRS", datetime.now(UTC)))
    assert store.certificates.lookup(first.verification_code) == first
    assert store.certificates.count() == 1

"""What only PostgreSQL can show: the private test server itself, the column types the
migration creates there, session time zones, plain URLs and two programs migrating at once.

The store's behaviour on both engines is proved in test_store.py, which runs on this server too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from kiosk.store import Store
from kiosk.store.audit import AuditLog
from kiosk.store.db import session_factory
from kiosk.store.registry import SqlCertificateRegistry
from printing.registry import RegistryEntry
from services_catalog.model import AuthenticatedPerson
from tests.kiosk import pg_server
from tests.kiosk.pg_server import PostgresServer

# The private server's fixtures, shared with test_store.py (one server for the whole run).
postgres_server = pg_server.postgres_server
postgres_url = pg_server.postgres_url

ROOT = Path(__file__).resolve().parents[2]
PERSON = AuthenticatedPerson("410425197311034513", "王建国")


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_the_test_server_is_private_and_speaks_another_time_zone(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    assert _scalar(postgres_url, "SHOW listen_addresses") == ""  # unix socket only, no TCP
    assert _scalar(postgres_url, "SHOW TimeZone") == "Asia/Shanghai"
    assert _scalar(postgres_url, "SELECT current_user") == "postgres"
    if os.geteuid() == 0:  # PostgreSQL will not run as root: the cluster is postgres's
        assert postgres_server.datadir.stat().st_uid != 0


def test_migration_creates_native_postgresql_types(postgres_url: str, tmp_path: Path) -> None:
    Store.open(postgres_url, tmp_path, "T-1").close()
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        types = dict(
            connection.execute(
                text(
                    "SELECT table_name || '.' || column_name, data_type "
                    "FROM information_schema.columns WHERE table_schema = 'public'"
                )
            ).all()
        )
        id_default = connection.execute(
            text(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = 'audit_log' AND column_name = 'id'"
            )
        ).scalar_one()
    engine.dispose()
    for column in (
        "audit_log.at",
        "issued_certificates.issued_at",
        "print_jobs.created_at",
        "credentials.locked_until",
    ):
        assert types[column] == "timestamp with time zone", column
    assert types["print_jobs.document"] == "bytea"
    assert types["issued_certificates.demo"] == "boolean"
    assert id_default is not None and id_default.startswith("nextval(")  # serial ids


def test_a_plain_postgresql_url_works(postgres_server: PostgresServer, postgres_url: str) -> None:
    database = make_url(postgres_url).database
    plain = f"postgresql://postgres@/{database}?host={postgres_server.socket_dir}"
    store = Store.open(plain, postgres_server.root / "keys-plain", "T-1")
    try:
        assert store.engine.dialect.driver == "psycopg"
        store.audit.record("boot", "ok")
        assert store.audit.verify_chain().intact
    finally:
        store.close()


def test_records_read_the_same_in_any_session_time_zone(postgres_url: str, tmp_path: Path) -> None:
    """Entries written by a session in Shanghai verify, and read back as the same UTC instant,
    from a session in New York: the chain hashes the instant, not the server's wall clock."""
    store = Store.open(postgres_url, tmp_path, "T-1")
    for outcome in ("ok", "BackendDown", "ok"):
        store.audit.record("query", outcome, PERSON)
    issued = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    entry = RegistryEntry(
        verification_code="ABCD-EFGH-JKMN-PQRS",
        content_sha256="a" * 64,
        service_id="pension.payment_record",
        service_name_zh="养老金发放记录",
        holder_masked_name="王**",
        holder_id_hash=store.keys.id_hash(PERSON.id_number),
        issued_at=issued,
        terminal_id="T-1",
        seal_id="social_security_bureau",
        demo=True,
        pdf_sha256="c" * 64,
    )
    store.certificates.record(entry)
    written = [e.at for e in store.audit.entries()]
    store.close()

    elsewhere = create_engine(
        postgres_url, connect_args={"options": "-c TimeZone=America/New_York"}
    )
    try:
        with elsewhere.connect() as connection:
            assert connection.execute(text("SHOW TimeZone")).scalar_one() == "America/New_York"
        sessions = session_factory(elsewhere)
        audit = AuditLog(sessions, store.keys, "T-1")
        report = audit.verify_chain()
        assert report.intact and report.entries == 3
        assert [e.at for e in audit.entries()] == written
        assert all(e.at.utcoffset() == timedelta(0) for e in audit.entries())
        found = SqlCertificateRegistry(sessions).lookup(entry.verification_code)
        assert found is not None and found.issued_at == issued.astimezone(UTC)
        assert found.issued_at.tzinfo is UTC
    finally:
        elsewhere.dispose()


def test_two_programs_migrating_a_fresh_database_at_once_both_start(
    postgres_url: str, tmp_path: Path
) -> None:
    """The terminal and kiosk-admin may start together on an empty database: the migration is
    serialized, so neither fails on tables the other has just created."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from kiosk.store import Store
        sys.stdout.write("ready\\n"); sys.stdout.flush()
        sys.stdin.readline()  # both processes import first, then migrate together
        store = Store.open({postgres_url!r}, {str(tmp_path)!r}, sys.argv[1])
        store.audit.record("boot", "ok")
        store.close()
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"T-{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    assert _scalar(postgres_url, "SELECT count(*) FROM alembic_version") == 1
    assert _scalar(postgres_url, "SELECT count(*) FROM audit_log") == 2

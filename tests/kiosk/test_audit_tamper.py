"""Tamper evidence: the keyed audit chain and its anchors outside the database.

An intruder with the database but not the audit key edits a line, edits and re-chains (by the
old unkeyed rule, the only one they can compute), deletes the last lines, or deletes them all;
`kiosk-admin audit verify` names the first bad entry or the missing tail and exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from kiosk.store import Store
from kiosk.store.anchor import Anchor, AnchorError, JournalAnchorSink
from kiosk.store.audit import GENESIS, legacy_digest
from kiosk.store.models import AuditEntry
from services_catalog.model import AuthenticatedPerson

PERSON = AuthenticatedPerson("410402198805201238", "张伟")
ROOT = Path(__file__).resolve().parents[2]


def sql(store: Store, statement: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement))


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    for i in range(6):
        s.audit.record("query", "ok", PERSON, f"svc-{i}")
    s.anchors.anchor("test")
    yield s
    s.close()


def rechain_unkeyed(store: Store) -> None:
    """What an intruder without the key can do: recompute every link by the old rule."""
    with Session(store.engine) as session, session.begin():
        previous = GENESIS
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            entry.prev_hash = previous
            entry.entry_hash = legacy_digest(entry)
            previous = entry.entry_hash


def test_an_intact_anchored_log_verifies(store: Store) -> None:
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert report.intact and report.entries == 6 and report.anchors_checked == 1


def test_an_edited_line_is_named(store: Store) -> None:
    sql(store, "UPDATE audit_log SET outcome = 'failed' WHERE seq = 3")
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact and report.first_broken_seq == 3
    assert "entry 3" in report.problem and "altered" in report.problem


@pytest.mark.parametrize("claim", ["hmac", "sha256"])
def test_an_edited_and_rechained_log_is_caught_without_the_key(store: Store, claim: str) -> None:
    sql(store, "UPDATE audit_log SET detail = 'nothing here' WHERE seq = 2")
    rechain_unkeyed(store)
    if claim == "sha256":  # pass the rows off as written before the key existed
        sql(store, "UPDATE audit_log SET chain = 'sha256'")
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact and report.first_broken_seq is not None
    assert report.first_broken_seq == 1  # the first line the intruder had to re-chain


def test_a_deleted_tail_shows_against_the_anchor(store: Store) -> None:
    sql(store, "DELETE FROM audit_log WHERE seq > 4")
    assert store.audit.verify_chain().intact  # what is left is a valid chain by itself...
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact  # ...but not the one the anchor vouches for
    assert "tail is missing" in report.problem and "entry 4" in report.problem
    assert report.first_broken_seq == 5


def test_every_line_deleted_shows_against_the_anchor(store: Store) -> None:
    sql(store, "DELETE FROM audit_log")
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact and "every entry was deleted" in report.problem


def test_a_cut_log_written_on_again_is_caught(store: Store) -> None:
    """Cut the tail, then let the terminal append: the anchored position now holds another
    entry, and the anchor is not moved forward over the cut."""
    sql(store, "DELETE FROM audit_log WHERE seq > 3")
    for i in range(5):
        store.audit.record("query", "ok", PERSON, f"after-{i}")
    assert store.anchors.anchor("test", force=True) is None  # refused: would bless the cut
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact and report.first_broken_seq == 6


def test_an_altered_anchor_file_is_refused(store: Store) -> None:
    path = store.anchors.file.path
    data = json.loads(path.read_text())
    data["seq"] = 2
    path.write_text(json.dumps(data))
    with pytest.raises(AnchorError, match="altered"):
        store.anchors.file.load()


def test_the_chain_key_is_not_the_id_hash_key(store: Store) -> None:
    """Domain separation: knowing ID hashes (they leave the terminal) gives no MAC key."""
    assert store.keys.derive("audit-chain") != store.keys.derive("id-hash")
    (entry,) = store.audit.entries(1)
    import hmac as hmac_

    from kiosk.store.audit import keyed_mac

    assert not hmac_.compare_digest(keyed_mac(store.keys.derive("id-hash"), entry),
                                    entry.entry_hash)


def test_anchor_lines_parse_as_an_operator_copies_them(store: Store) -> None:
    anchor = store.anchors.file.load()
    assert anchor is not None
    assert anchor.key_id == store.audit.key_id
    assert Anchor.parse(anchor.line()) == anchor
    assert Anchor.parse(f"{anchor.seq}:{anchor.mac}").mac == anchor.mac
    with pytest.raises(AnchorError):
        Anchor.parse("12:not-a-mac")


def test_the_journal_sink_sends_native_journal_fields(tmp_path: Path) -> None:
    path = tmp_path / "journal.socket"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as journal:
        journal.bind(str(path))
        JournalAnchorSink(path).publish(Anchor(7, "a" * 64, 1, "2026-11-30T00:00:00+00:00",
                                               "T-1"), "session_end")
        fields = dict(line.split("=", 1) for line in journal.recv(4096).decode().splitlines())
    assert fields["SYSLOG_IDENTIFIER"] == "gov-kiosk-audit"
    assert fields["KIOSK_AUDIT_SEQ"] == "7" and fields["KIOSK_AUDIT_MAC"] == "a" * 64
    assert fields["MESSAGE"].startswith("AUDIT-ANCHOR ")


def test_without_a_journal_the_anchor_is_a_prefixed_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    JournalAnchorSink(tmp_path / "absent.socket").publish(
        Anchor(7, "b" * 64, 1, "2026-11-30T00:00:00+00:00", "T-1"), "periodic")
    assert any(r.getMessage().startswith("AUDIT-ANCHOR ") and "seq=7" in r.getMessage()
               for r in caplog.records)


# ---- rows from before the key (schema revision 0001) --------------------------------------


def test_rows_written_before_the_key_are_checked_by_the_old_rule_and_sealed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _old_database(url, lines=3)
    store = Store.open(url, tmp_path, "T-1")  # migrates to the keyed chain
    store.audit.record("terminal_start", "ok", actor="system")
    report = store.audit.verify_chain()
    assert report.intact and report.entries == 4 and report.legacy_entries == 3
    store.anchors.anchor("test")
    # An old row re-chained by the old rule: the first keyed entry no longer links to it.
    sql(store, "UPDATE audit_log SET detail = 'changed' WHERE seq = 2")
    rechain_legacy_prefix(store)
    report = store.audit.verify_chain([store.anchors.file.load()])
    assert not report.intact and report.first_broken_seq == 4
    store.close()


def rechain_legacy_prefix(store: Store) -> None:
    with Session(store.engine) as session, session.begin():
        previous = GENESIS
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.chain == "sha256").order_by(AuditEntry.seq)
        ):
            entry.prev_hash = previous
            entry.entry_hash = legacy_digest(entry)
            previous = entry.entry_hash


def _old_database(url: str, lines: int) -> None:
    """A database at revision 0001 with unkeyed rows, as terminals in the field have."""
    from alembic import command
    from alembic.config import Config

    from kiosk.store.db import MIGRATIONS

    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        previous = GENESIS
        for i in range(lines):
            at = f"2026-11-2{i}T10:00:00.000000+00:00"
            row = [at, "T-1", "system", "boot", "ok", "", "", str(i), previous]
            digest = hashlib.sha256(json.dumps(row, ensure_ascii=False, separators=(",", ":"))
                                    .encode()).hexdigest()
            connection.execute(text(
                "INSERT INTO audit_log (at, terminal_id, actor, action, outcome, id_hash, "
                "id_masked, detail, prev_hash, entry_hash) VALUES (:at, 'T-1', 'system', "
                "'boot', 'ok', '', '', :detail, :prev, :hash)"),
                {"at": at.replace("T", " ").replace("+00:00", ""), "detail": str(i),
                 "prev": previous, "hash": digest})
            previous = digest
    engine.dispose()


# ---- the command line -------------------------------------------------------------------


def admin(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    if not config.exists():
        config.write_text(f'demo = true\ndata_dir = "{tmp_path}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_audit_verify_on_the_command_line(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path, "T-1")
    for i in range(5):
        store.audit.record("query", "ok", PERSON, f"svc-{i}")
    store.close()  # anchors the head it wrote
    done = admin(tmp_path, "audit", "verify")
    assert done.returncode == 0 and "intact: 5 entries" in done.stdout, done.stdout + done.stderr
    anchor = json.loads((tmp_path / "audit-anchor.json").read_text())

    engine = create_engine(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    engine.dispose()
    cut = admin(tmp_path, "audit", "verify")
    assert cut.returncode == 1 and "tail is missing" in cut.stdout
    assert "Traceback" not in cut.stderr

    # The anchor file gone as well: the journal's copy still shows the cut.
    (tmp_path / "audit-anchor.json").unlink()
    bare = admin(tmp_path, "audit", "verify")
    assert bare.returncode == 1 and "no anchor" in bare.stdout
    journal = admin(tmp_path, "audit", "verify", "--anchor", f"{anchor['seq']}:{anchor['mac']}")
    assert journal.returncode == 1 and "vouches for entry 5" in journal.stdout
    garbage = admin(tmp_path, "audit", "verify", "--anchor", "five")
    assert garbage.returncode == 1 and "not an anchor" in garbage.stderr


def test_an_emptied_log_without_its_anchor_is_not_intact(tmp_path: Path) -> None:
    """Every row and the anchor file deleted: the store's certificates and print jobs (they
    commit only with an audit line) show that the log is not fresh; no new anchor blesses it."""
    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path, "T-1")
    store.audit.record("query", "ok", PERSON, "svc")
    store.jobs.add("ABCD-EFGH", "不动产登记信息 ABCD-EFGH", b"%PDF-1.7 x")
    store.close()
    sql_engine = create_engine(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}")
    with sql_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))
    sql_engine.dispose()
    (tmp_path / "audit-anchor.json").unlink()

    done = admin(tmp_path, "audit", "verify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no anchor: truncation cannot be ruled out" in done.stdout

    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path, "T-1")
    try:
        store.audit.record("query", "ok", PERSON, "after the cut")
        assert store.anchors.anchor("test", force=True) is None  # nothing blesses the cut
    finally:
        store.close()
    assert not (tmp_path / "audit-anchor.json").exists()
    assert admin(tmp_path, "audit", "verify").returncode == 1


def test_a_fresh_log_verifies_as_fresh(tmp_path: Path) -> None:
    Store.open(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path, "T-1").close()
    done = admin(tmp_path, "audit", "verify")
    assert done.returncode == 0 and "intact: 0 entries" in done.stdout, done.stdout


def _copy_db(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_database_rolled_back_to_an_older_copy(tmp_path: Path) -> None:
    """The rollback attack: put back yesterday's database. Alone, the newer anchor file shows
    it; with yesterday's anchor file too, the data dir is consistent with itself and only an
    anchor kept outside it (journal, centre) shows the rollback."""
    db = tmp_path / "k.sqlite3"
    s = Store.open(f"sqlite:///{db}", tmp_path, "T-1")
    for i in range(4):
        s.audit.record("query", "ok", PERSON, f"svc-{i}")
    s.anchors.anchor("test")
    _copy_db(db, tmp_path / "old.sqlite3")
    old_anchor_file = s.anchors.file.path.read_bytes()
    for i in range(3):
        s.audit.record("query", "ok", PERSON, f"later-{i}")
    journal_anchor = s.anchors.anchor("test")  # what the journal also received
    assert journal_anchor is not None and journal_anchor.seq == 7
    s.close()

    _copy_db(tmp_path / "old.sqlite3", db)  # the database alone rolled back
    s = Store.open(f"sqlite:///{db}", tmp_path, "T-1")
    try:
        report = s.audit.verify_chain([s.anchors.file.load()])
        assert not report.intact and report.first_broken_seq == 5
        s.anchors.file.path.write_bytes(old_anchor_file)  # and the anchor file with it
        assert s.audit.verify_chain([s.anchors.file.load()]).intact  # locally undetectable
        report = s.audit.verify_chain([s.anchors.file.load(), journal_anchor])
        assert not report.intact and report.first_broken_seq == 5
    finally:
        s.close()

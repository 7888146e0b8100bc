"""The fleet outbox in the local store, on SQLite and PostgreSQL: written in the event's own
transaction, numbered 1, 2, 3... without gaps in commit order, masked, and only with a fleet."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.config import settings_from_mapping
from kiosk.fleet_link.batching import to_event
from kiosk.store import Store
from kiosk.store.outbox import ANCHOR_EVERY
from printing.registry import DuplicateVerificationCode, RegistryEntry
from services_catalog.model import AuthenticatedPerson
from tests.kiosk.pg_server import PostgresServer, postgres_server  # noqa: F401 (fixture)

PERSON = AuthenticatedPerson("410402198805201238", "张伟")
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def entry(code: str = "ABCD-EFGH-JKLM-NPQR") -> RegistryEntry:
    return RegistryEntry(
        verification_code=code, content_sha256="a" * 64, service_id="pension_statement",
        service_name_zh="养老金发放明细", holder_masked_name="张*", holder_id_hash="b" * 64,
        issued_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), terminal_id="T-1",
        seal_id="hrss", demo=True, pdf_sha256="c" * 64,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'k.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    request.addfinalizer(lambda: server.drop_database(name))
    return server.url(name)


def open_store(url: str, tmp_path: Path, fleet: bool = True) -> Store:
    return Store.open(url, tmp_path, "T-1", fleet_outbox=fleet)


def test_a_standalone_terminal_keeps_no_outbox(url: str, tmp_path: Path) -> None:
    assert settings_from_mapping({}).fleet is None
    store = open_store(url, tmp_path, fleet=False)
    try:
        store.audit.record("query", "ok", PERSON, "pension_statement")
        store.certificates.record(entry())
        assert store.outbox.length() == 0
        assert store.outbox.last_seq() == 0
    finally:
        store.close()


def test_events_and_their_items_commit_together_in_sequence(url: str, tmp_path: Path) -> None:
    store = open_store(url, tmp_path)
    try:
        store.audit.record("query", "ok", PERSON, "pension_statement")
        store.certificates.record(entry())
        with pytest.raises(DuplicateVerificationCode):
            store.certificates.record(entry())  # rolled back: its item must go with it
        store.audit.record("print", "ok", PERSON, "pension_statement")
        items = store.outbox.pending(100)
        assert [i.seq for i in items] == list(range(1, len(items) + 1))
        assert [(i.kind, i.payload.get("counter")) for i in items] == [
            ("audit", None), ("usage", "queries"), ("certificate", None),
            ("audit", None), ("usage", "certificates"),
        ]
        for item in items:
            to_event(item)  # every stored item is a valid protocol event
        assert items[0].payload["id_masked"] == "4104**********1238"
        assert items[2].payload["entry"]["verification_code"] == "ABCD-EFGH-JKLM-NPQR"
        with store.engine.connect() as connection:
            rows = connection.execute(text("SELECT payload FROM fleet_outbox"))
            raw = " ".join(r[0] for r in rows)
        assert PERSON.id_number not in raw and PERSON.name not in raw
    finally:
        store.close()


def test_an_id_number_in_free_text_leaves_masked(tmp_path: Path) -> None:
    # SQLite only: the local audit line keeps the text as typed, and the shared PostgreSQL
    # server's write-ahead log would then hold it for the rest of the run.
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path)
    try:
        store.audit.record("certificate_verify", "valid", detail="410402198805201238.pdf",
                           actor="admin")
        (item,) = store.outbox.pending(10)
        assert item.payload["detail"] == "4104**********1238.pdf"
    finally:
        store.close()


def test_acknowledged_items_go_and_numbers_are_never_reused(url: str, tmp_path: Path) -> None:
    store = open_store(url, tmp_path)
    try:
        for _ in range(3):
            store.audit.record("session_end", "finished", actor="system")
        assert store.outbox.acknowledge_through(2) == 2
        assert [i.seq for i in store.outbox.pending(10)] == [3]
        assert store.outbox.acknowledge_through(3) == 1
        store.audit.record("session_end", "finished", actor="system")
        assert [i.seq for i in store.outbox.pending(10)] == [4]
    finally:
        store.close()
    reopened = open_store(url, tmp_path)
    try:
        reopened.audit.record("session_end", "finished", actor="system")
        assert [i.seq for i in reopened.outbox.pending(10)] == [4, 5]
    finally:
        reopened.close()


def test_writers_in_parallel_leave_no_gap_and_no_reordering(url: str, tmp_path: Path) -> None:
    """Two kinds of writer on four threads: sequence numbers are gapless and every number
    that is visible has every smaller number visible too (what the sender relies on)."""
    store = open_store(url, tmp_path)
    errors: list[BaseException] = []
    seen_gap: list[list[int]] = []
    stop = threading.Event()

    def write(worker: int) -> None:
        try:
            for n in range(15):
                if n % 3 == 0:
                    store.certificates.record(entry(f"{LETTERS[worker] * 4}-BBBB-CCCC-"
                                                    f"{LETTERS[n] * 4}"))
                else:
                    store.audit.record("query", "ok", PERSON, "pension_statement")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    def watch() -> None:
        while not stop.is_set():
            seqs = [i.seq for i in store.outbox.pending(10_000)]
            if seqs and seqs != list(range(1, len(seqs) + 1)):
                seen_gap.append(seqs)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    try:
        assert not errors, errors
        assert not seen_gap, seen_gap[0]
        seqs = [i.seq for i in store.outbox.pending(10_000)]
        # 4 workers x (5 certificates + 10 queries x (audit + usage))
        assert seqs == list(range(1, 4 * (5 + 20) + 1))
    finally:
        store.close()


def test_the_chain_is_anchored_now_and_then(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path)
    try:
        store.audit.record("terminal_start", "ok", actor="system")
        for _ in range(ANCHOR_EVERY - 1):
            store.audit.record("session_end", "finished", actor="system")
        anchors = [i.payload for i in store.outbox.pending(1000) if i.kind == "audit_anchor"]
        heads = [e.entry_hash for e in reversed(store.audit.entries(ANCHOR_EVERY))]
        key_id = store.audit.key_id
        assert anchors == [{"entry_count": 1, "head_hash": heads[0], "key_id": key_id},
                           {"entry_count": ANCHOR_EVERY, "head_hash": heads[-1],
                            "key_id": key_id}]
    finally:
        store.close()


def test_payloads_are_json_objects(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path)
    try:
        store.certificates.record(entry())
        with store.engine.connect() as connection:
            (raw,) = connection.execute(text("SELECT payload FROM fleet_outbox")).one()
        assert json.loads(raw)["entry"]["issued_at"] == "2026-11-30T09:00:00+00:00"
    finally:
        store.close()


def test_an_anchor_goes_to_the_centre_only_while_it_is_the_head(tmp_path: Path) -> None:
    """An anchor staged after a newer line's own would reach the centre out of order and
    look like a cut there: it is dropped instead (the next anchor carries the newer head)."""
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path)
    try:
        store.anchors.sinks = store.anchors.sinks[1:]  # the outbox sink; no journal here
        store.audit.record("session_end", "finished", actor="system")
        anchor = store.anchors.anchor("session_end")
        assert anchor is not None
        sent = [i.payload for i in store.outbox.pending(100) if i.kind == "audit_anchor"]
        assert sent == [{"entry_count": 1, "head_hash": anchor.mac,
                         "key_id": store.audit.key_id}]
        store.audit.record("session_end", "finished", actor="system")
        assert store.audit.send_anchor(anchor.seq, anchor.mac) is False
        assert len([i for i in store.outbox.pending(100) if i.kind == "audit_anchor"]) == 1
    finally:
        store.close()

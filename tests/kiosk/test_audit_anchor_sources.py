"""`kiosk-admin audit verify` finds its anchors by itself: the anchor file and the system
journal, read with `journalctl -o json` (here a small script of that name first on PATH, fed
with the very datagrams the terminal sends to journald, plus the fields journald adds)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kiosk.store import Store
from kiosk.store.anchor import Anchor, JournalAnchorSink
from kiosk.store.anchor_check import compare, parse_journal, read_journal
from kiosk.store.audit import keyed_mac
from kiosk.store.models import AuditEntry
from services_catalog.model import AuthenticatedPerson

PERSON = AuthenticatedPerson("410402198805201238", "张伟")
ROOT = Path(__file__).resolve().parents[2]
TERMINAL = "T-1"


def open_store(data: Path) -> Store:
    return Store.open(f"sqlite:///{data / 'kiosk.sqlite3'}", data, TERMINAL)


def write(store: Store, n: int, tag: str = "svc") -> None:
    for i in range(n):
        store.audit.record("query", "ok", PERSON, f"{tag}-{i}")


class Journal:
    """What journald would keep of the terminal's anchors: each datagram the sink sends,
    received on a real socket, with journald's own fields added."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket_path = tmp_path / "journal.socket"
        self.records: list[dict[str, object]] = []

    def anchor(self, store: Store, reason: str = "periodic") -> Anchor:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(self.socket_path))
            store.anchors.sinks = [JournalAnchorSink(self.socket_path)]
            anchor = store.anchors.anchor(reason, force=True)
            payload = sock.recv(65536).decode()
        self.socket_path.unlink()
        assert anchor is not None
        fields: dict[str, object] = dict(line.split("=", 1) for line in payload.splitlines())
        n = len(self.records)
        fields.update({
            "__CURSOR": f"s=0;i={n}", "__REALTIME_TIMESTAMP": str(1764468000000000 + n),
            "__MONOTONIC_TIMESTAMP": str(1000 + n), "_BOOT_ID": "b" * 32, "_TRANSPORT": "journal",
            "_PID": "4242", "_UID": "990", "_GID": "990", "_COMM": "kiosk",
            "_SYSTEMD_UNIT": "kiosk.service", "_HOSTNAME": "kiosk-01",
        })
        self.records.append(fields)
        return anchor

    def install(self, tmp_path: Path) -> Path:
        """A `journalctl` that prints the records as `-o json` does, when asked for the
        terminal's identifier, and nothing otherwise."""
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        (tmp_path / "journal.json").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records))
        script = bin_dir / "journalctl"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, sys\n"
            "args = sys.argv[1:]\n"
            "assert args[args.index('-o') + 1] == 'json', args\n"
            "wanted = [a.split('=', 1)[1].split(',') for a in args\n"
            "          if a.startswith('--output-fields=')]\n"
            "if 'SYSLOG_IDENTIFIER=gov-kiosk-audit' in args:\n"
            f"    for line in open({str(tmp_path / 'journal.json')!r}):\n"
            "        record = json.loads(line)\n"
            "        if wanted:  # as journalctl does: the fields asked for, and its own\n"
            "            record = {k: v for k, v in record.items()\n"
            "                      if k in wanted[0] or k.startswith('__')}\n"
            "        print(json.dumps(record, ensure_ascii=False))\n"
            "else:\n"
            "    print('-- No entries --', file=sys.stderr)\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return bin_dir


def admin(data: Path, path_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = data / "kiosk.toml"
    config.write_text(f'demo = true\ndata_dir = "{data}"\nterminal_id = "{TERMINAL}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(path_dir)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config),
                           "audit", "verify", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def copy_db(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def rewrite_with_the_key(store: Store, seq: int, detail: str) -> None:
    """An intruder who holds the audit key: edit one entry and re-chain the rest properly."""
    key = store.keys.derive("audit-chain")
    with Session(store.engine) as session, session.begin():
        previous = None
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq == seq:
                entry.detail = detail
            if previous is not None:
                entry.prev_hash = previous
            if entry.seq >= seq:
                entry.entry_hash = keyed_mac(key, entry)
            previous = entry.entry_hash


@pytest.fixture
def no_journal(tmp_path: Path) -> Path:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    return empty


def test_an_intact_log_counts_each_source_and_says_there_is_no_journal(
        tmp_path: Path, no_journal: Path) -> None:
    store = open_store(tmp_path)
    write(store, 5)
    store.close()
    done = admin(tmp_path, no_journal)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact: 5 entries" in done.stdout
    assert "anchor file: 1 anchor(s) checked" in done.stdout
    assert "journal: 0 anchor(s) checked (not read: there is no journalctl" in done.stdout


def test_a_rewritten_entry_is_named_from_the_anchor_file_alone(
        tmp_path: Path, no_journal: Path) -> None:
    store = open_store(tmp_path)
    write(store, 6)
    store.close()
    store = open_store(tmp_path)
    rewrite_with_the_key(store, 4, "nothing happened")
    assert store.audit.verify_chain().intact  # the chain alone cannot tell
    store.engine.dispose()
    done = admin(tmp_path, no_journal)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN: anchor file anchor of entry 6" in done.stdout
    assert "MAC differs" in done.stdout


def test_a_cut_tail_is_named_from_the_anchor_file(tmp_path: Path, no_journal: Path) -> None:
    store = open_store(tmp_path)
    write(store, 6)
    store.close()
    with open_store(tmp_path).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq > 4"))
    done = admin(tmp_path, no_journal, "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    out = json.loads(done.stdout)
    assert out["intact"] is False and out["head_seq"] == 4
    assert out["first_disagreement"]["source"] == "anchor file"
    assert out["first_disagreement"]["seq"] == 6
    assert "tail is missing" in out["first_disagreement"]["why"]
    assert out["sources"]["anchor file"]["checked"] == 1


def test_the_journal_catches_a_log_and_anchor_file_rolled_back_together(tmp_path: Path) -> None:
    """Database and anchor file put back to an older copy and written on: consistent with
    each other, but not with what the journal received meanwhile."""
    journal = Journal(tmp_path)
    store = open_store(tmp_path)
    write(store, 3)
    journal.anchor(store, "terminal_start")
    copy_db(tmp_path / "kiosk.sqlite3", tmp_path / "old.sqlite3")
    old_anchor = store.anchors.file.path.read_bytes()
    write(store, 4, "later")
    later = journal.anchor(store)
    assert later.seq == 7
    store.engine.dispose()

    copy_db(tmp_path / "old.sqlite3", tmp_path / "kiosk.sqlite3")
    store.anchors.file.path.write_bytes(old_anchor)
    store = open_store(tmp_path)
    write(store, 2, "forged")  # the log goes on from entry 3: entries 4, 5
    store.close()

    bin_dir = journal.install(tmp_path)
    done = admin(tmp_path, bin_dir)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("BROKEN: journal anchor of entry 7 taken " in done.stdout
            and "the tail is missing: the log ends at entry 5" in done.stdout), done.stdout
    assert "journal: 2 anchor(s) checked" in done.stdout

    # Written on past the journal's anchor: entry 7 is there, but not the one anchored.
    store = open_store(tmp_path)
    write(store, 3, "more forged")
    store.engine.dispose()
    done = admin(tmp_path, bin_dir)
    assert done.returncode == 1 and "journal anchor of entry 7" in done.stdout
    assert "MAC differs" in done.stdout


def test_the_journal_agrees_with_an_honest_log(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    store = open_store(tmp_path)
    for round_ in range(3):
        write(store, 2, f"r{round_}")
        journal.anchor(store)
    store.close()
    done = admin(tmp_path, journal.install(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "journal: 3 anchor(s) checked" in done.stdout


def test_journal_lines_of_other_terminals_and_other_keys_are_kept_apart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    write(store, 2)
    journal = Journal(tmp_path)
    mine = journal.anchor(store)
    store.close()
    foreign = dict(journal.records[0], MESSAGE=str(journal.records[0]["MESSAGE"]).replace(
        f"terminal={TERMINAL}", "terminal=T-9").replace(mine.mac, "c" * 64))
    rekeyed = dict(journal.records[0], MESSAGE=str(journal.records[0]["MESSAGE"]).replace(
        f"key={mine.key_id}", "key=" + "0" * 16).replace(mine.mac, "d" * 64))
    other_program = dict(journal.records[0], SYSLOG_IDENTIFIER="sshd", MESSAGE="hello")
    garbled = dict(journal.records[0], MESSAGE=[65, 85, 68, 73, 84])  # bytes, no anchor
    lines = [json.dumps(r) for r in (*journal.records, foreign, rekeyed, other_program, garbled)]
    read = parse_journal(lines, TERMINAL)
    assert [a.mac for a in read.anchors] == [mine.mac, "d" * 64] and read.unreadable == 1

    journal.records += [foreign, rekeyed, other_program, garbled]
    done = admin(tmp_path, journal.install(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("journal: 1 anchor(s) checked (1 of another audit key not comparable"
            in done.stdout), done.stdout


def test_given_anchors_still_count_and_disagreements_are_ordered() -> None:
    good = Anchor(3, "a" * 64, 1, "t1", TERMINAL)
    bad = Anchor(5, "b" * 64, 1, "t2", TERMINAL)
    cut = Anchor(9, "c" * 64, 1, "t3", TERMINAL)
    verdict = compare({"given": [cut], "journal": [good, bad]}, head_seq=6,
                      macs={3: "a" * 64, 5: "e" * 64}, key_id="k" * 16)
    assert verdict.checked == {"given": 1, "journal": 2}
    assert verdict.first is not None and verdict.first.anchor.seq == 5
    assert verdict.first.source == "journal" and len(verdict.disagreements) == 2


def test_a_journal_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    write(store, 2)
    store.close()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "journalctl"
    script.write_text("#!/bin/sh\necho 'No journal files were opened due to insufficient "
                      "permissions.' >&2\nexit 1\n")
    script.chmod(0o755)
    done = admin(tmp_path, bin_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "journal: 0 anchor(s) checked (not read: journalctl exited 1 (No journal files" \
        in done.stdout
    assert "Traceback" not in done.stderr


def test_anchor_entries_another_user_wrote_are_ignored_and_counted(tmp_path: Path) -> None:
    """`logger -t gov-kiosk-audit` by any local user reaches the journal under the anchors'
    identifier; journald records who wrote it, and only the kiosk's unit or a user who could
    rewrite the log anyway counts."""
    store = open_store(tmp_path)
    write(store, 3)
    journal = Journal(tmp_path)
    mine = journal.anchor(store)
    store.close()
    logger = {**journal.records[0], "_UID": "1001", "_GID": "1001", "_COMM": "logger",
              "_SYSTEMD_UNIT": "user@1001.service",
              "MESSAGE": str(journal.records[0]["MESSAGE"]).replace(mine.mac, "f" * 64)}
    by_root = {**logger, "_UID": "0", "_SYSTEMD_UNIT": "ssh.service"}
    lines = [json.dumps(r) for r in (*journal.records, logger, by_root)]
    read = parse_journal(lines, TERMINAL, uids={0})
    assert [a.mac for a in read.anchors] == [mine.mac, "f" * 64]
    assert read.other_writer == 1 and read.entries == 3
    assert parse_journal(lines, TERMINAL, uids={1001}).other_writer == 1  # root's, now

    journal.records.append(logger)  # a false BROKEN, were it believed
    done = admin(tmp_path, journal.install(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("journal: 1 anchor(s) checked (1 written by another user ignored)"
            in done.stdout), done.stdout
    shown = json.loads(admin(tmp_path, journal.install(tmp_path), "--json").stdout)
    assert shown["sources"]["journal"]["other_writer"] == 1


def test_an_empty_journal_for_a_user_who_cannot_read_it_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """journalctl -q hides its "insufficient permissions" warning and prints nothing."""
    monkeypatch.setenv("PATH", str(Journal(tmp_path).install(tmp_path)))
    barred = read_journal(TERMINAL, tmp_path, may_read=lambda: False)
    assert barred.anchors == [] and barred.note == (
        "not read: journal not readable by this user (not root, not in the systemd-journal "
        "group)")
    allowed = read_journal(TERMINAL, tmp_path, may_read=lambda: True)
    assert allowed.note.startswith(f"holds no anchor of terminal {TERMINAL}")

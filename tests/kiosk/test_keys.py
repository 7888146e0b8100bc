"""The terminal key: never made silently outside demo mode; created and rotated on purpose."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.cli import main as admin
from kiosk.store import Store
from kiosk.store.keys import TerminalKeyError
from services_catalog.model import AuthenticatedPerson
from tests.kiosk.service_setup import service_terminal

PERSON = AuthenticatedPerson(id_number="410402198805201238", name="", face_verified=True)


def test_a_store_in_service_never_makes_a_new_key(tmp_path: Path) -> None:
    with pytest.raises(TerminalKeyError, match="keys init"):
        Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1", create_key=False)
    assert not (tmp_path / "terminal.key").exists()


@pytest.fixture
def file_keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """A terminal in service whose key is a file (no audit_key_env), created by keys init."""
    terminal = service_terminal(tmp_path)
    terminal.write(terminal.text().replace('audit_key_env = "GOV_KIOSK_AUDIT_KEY"', ""))
    monkeypatch.setenv("GOV_KIOSK_CONFIG", str(terminal.config))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert admin(["keys", "init"]) == 0
    key = terminal.data_dir / "terminal.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert admin(["keys", "init"]) == 1  # never over an existing key
    assert "exists already" in capsys.readouterr().err
    return terminal


def _store(terminal) -> Store:
    url = f"sqlite:///{terminal.data_dir / 'kiosk.sqlite3'}"
    return Store.open(url, terminal.data_dir, "PDS-XH-0007", create_key=False)


def test_rotation_re_encrypts_kept_documents_and_keeps_records_matching(file_keyed,
                                                                       capsys) -> None:
    terminal = file_keyed
    store = _store(terminal)
    job = store.jobs.add("ABCD-EFGH-JKLM-NPQR", "证明", b"%PDF kept job")
    store.archive.add("ABCD-EFGH-JKLM-NPQR", "B-LT", b"%PDF archive copy")
    store.audit.record("query", "ok", PERSON, "pension.payment_certificate")
    id_hash = store.keys.id_hash(PERSON.id_number)
    store.close()
    old_key = (terminal.data_dir / "terminal.key").read_bytes()

    assert admin(["keys", "rotate"]) == 0, capsys.readouterr().err
    assert "re-encrypted 1 kept print jobs, 1 archive copies" in capsys.readouterr().out

    assert (terminal.data_dir / "terminal.key").read_bytes() != old_key
    retired = list(terminal.data_dir.glob("terminal.key.retired-*"))
    assert len(retired) == 1 and retired[0].read_bytes() == old_key
    store = _store(terminal)
    try:
        assert store.jobs.document(job) == b"%PDF kept job"
        assert store.archive.document("ABCD-EFGH-JKLM-NPQR") == b"%PDF archive copy"
        assert store.keys.id_hash(PERSON.id_number) == id_hash  # the citizen still matches
        report = store.audit.verify_chain()
        assert report.intact, report.problem
        assert store.audit.entries(1)[0].action == "key_rotate"
    finally:
        store.close()
    # Without the retired key the documents would not open: they really were re-encrypted.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from sqlalchemy import select

    from kiosk.store.keys import TerminalKeys
    from kiosk.store.models import PrintJob

    store = _store(terminal)
    with store.engine.connect() as connection:
        blob = connection.execute(select(PrintJob.document)).scalar_one()
    store.close()
    stale = AESGCM(TerminalKeys(old_key).derive("print-jobs"))
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        stale.decrypt(blob[:12], blob[12:], b"ABCD-EFGH-JKLM-NPQR")


def test_rotation_refuses_a_key_from_the_environment(tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    terminal = service_terminal(tmp_path)
    for name, value in terminal.env.items():
        monkeypatch.setenv(name, value)
    assert admin(["--config", str(terminal.config), "keys", "rotate"]) == 1
    assert "GOV_KIOSK_AUDIT_KEY" in capsys.readouterr().err


def test_two_programs_creating_the_key_at_once_both_get_the_winners_key(
        tmp_path: Path, monkeypatch) -> None:
    """A second program starting while the first is still writing its new key must never
    read a half-written (empty) key file: it makes its own, and the loser uses the winner's."""
    import os

    from kiosk.store.keys import TerminalKeys

    real_fdopen = os.fdopen
    second: list[TerminalKeys] = []

    def fdopen_with_a_rival_starting(fd: int, *args, **kwargs):
        # The rival starts after the first opened its file, before it wrote a byte.
        monkeypatch.setattr(os, "fdopen", real_fdopen)
        second.append(TerminalKeys.open(tmp_path, create=True))
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen_with_a_rival_starting)
    first = TerminalKeys.open(tmp_path, create=True)

    on_disk = TerminalKeys.load(tmp_path)
    assert first.derive("x") == second[0].derive("x") == on_disk.derive("x")
    assert [p.name for p in tmp_path.iterdir()] == ["terminal.key"]
    assert (tmp_path / "terminal.key").stat().st_mode & 0o777 == 0o600


def test_a_lost_identity_key_after_a_rotation_is_a_failure_not_a_stand_in(file_keyed,
                                                                          capsys) -> None:
    """The current key must not silently stand in for the first one: the chain and ID hashes
    would stop matching. The start-up check names it (and the store refuses to open)."""
    from kiosk.preflight import Preflight, check_terminal_key

    terminal = file_keyed
    store = _store(terminal)
    store.audit.record("query", "ok", PERSON, "pension.payment_certificate")
    store.close()
    assert admin(["keys", "rotate"]) == 0, capsys.readouterr().err
    (terminal.data_dir / "terminal-identity.key").unlink()
    from kiosk.config import load_settings

    settings = load_settings(terminal.config)
    problems = list(check_terminal_key(Preflight(settings)))
    assert len(problems) == 1 and "terminal-identity.key is missing" in problems[0], problems
    with pytest.raises(TerminalKeyError, match="restore it from the terminal's backup"):
        _store(terminal)
    # A retired key removed as well: the anchor file's MAC still shows the rotation.
    for retired in terminal.data_dir.glob("terminal.key.retired-*"):
        retired.unlink()
    with pytest.raises(TerminalKeyError, match="audit anchor does not match"):
        _store(terminal)


def test_rotation_is_refused_while_the_terminal_holds_the_key(file_keyed, capsys) -> None:
    from kiosk.store.keys import KeyInUse

    terminal = file_keyed
    key = (terminal.data_dir / "terminal.key").read_bytes()
    running = KeyInUse.hold(terminal.data_dir)  # what Runtime.build takes
    try:
        assert admin(["keys", "rotate"]) == 1
        assert "stop it first" in capsys.readouterr().err
    finally:
        running.release()
    assert (terminal.data_dir / "terminal.key").read_bytes() == key


def test_a_rotation_whose_commit_fails_changes_nothing(file_keyed, capsys,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    import kiosk.cli.keys as keys_cli

    terminal = file_keyed
    store = _store(terminal)
    job = store.jobs.add("ABCD-EFGH-JKLM-NPQR", "证明", b"%PDF kept job")
    store.close()
    key = (terminal.data_dir / "terminal.key").read_bytes()
    real = keys_cli.reencrypt

    def then_fail_the_commit(session, old, new):
        def refuse(_session):
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        event.listen(session, "before_commit", refuse)
        return real(session, old, new)

    monkeypatch.setattr(keys_cli, "reencrypt", then_fail_the_commit)
    assert admin(["keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "nothing changed" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert (terminal.data_dir / "terminal.key").read_bytes() == key
    assert not list(terminal.data_dir.glob("terminal.key.retired-*"))
    store = _store(terminal)
    try:
        assert store.jobs.document(job) == b"%PDF kept job"
    finally:
        store.close()

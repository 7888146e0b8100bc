"""Storage fails closed: a certificate exists only together with its kept job and its audit
line, and a write that fails leaves none of them and nothing printed.

Faults are injected at each write of the issue transaction through a SQLAlchemy engine hook,
and once for real: the database on a small tmpfs filled to the last byte.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import Mock

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from devices.printer.pdf_dir import PdfDirectoryPrinter
from kiosk import flow
from kiosk.certificates import CertificateDesk
from kiosk.housekeeping import STORAGE_REASON, Housekeeping, StorageHealth
from kiosk.session import STORAGE_FAILED, PrintFailure, SessionRunner
from kiosk.store import Store
from services_catalog.model import QueryResult

from .test_certificate_desk import PERSON, CountingIssuer, FlakyPrinter
from .test_flow import make_service


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        def one(sql: str) -> int:
            return int(connection.execute(text(sql)).scalar() or 0)

        return {
            "certificates": one("SELECT count(*) FROM issued_certificates"),
            "jobs": one("SELECT count(*) FROM print_jobs"),
            "issue_lines": one(
                "SELECT count(*) FROM audit_log WHERE action = 'certificate_issue'"),
        }


@contextlib.contextmanager
def failing_insert(store: Store, table: str) -> Iterator[None]:
    """Every INSERT into `table` fails as SQLite fails on a full disk."""

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            raise OperationalError(statement, parameters, Exception("database or disk is full"))

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", before)


@pytest.fixture
def desk_setup(tmp_path: Path) -> Iterator[tuple[CertificateDesk, FlakyPrinter, Store]]:
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    printer = FlakyPrinter(PdfDirectoryPrinter(tmp_path / "printed"))
    desk = CertificateDesk(issuer=CountingIssuer(), issuance=store.issuance, printer=printer)
    yield desk, printer, store
    store.close()


@pytest.mark.parametrize("table", ["issued_certificates", "print_jobs", "audit_log"])
def test_a_failed_write_at_any_step_leaves_no_certificate_job_or_line(
    desk_setup: tuple[CertificateDesk, FlakyPrinter, Store], table: str
) -> None:
    desk, printer, store = desk_setup
    with failing_insert(store, table), pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    assert info.value.message is STORAGE_FAILED
    assert counts(store) == {"certificates": 0, "jobs": 0, "issue_lines": 0}
    assert printer.submitted == []  # nothing printed for a certificate that does not exist
    # The store works again: the same request now issues once, completely.
    assert desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1") == "CODE-2"
    assert counts(store) == {"certificates": 1, "jobs": 1, "issue_lines": 1}
    assert store.audit.verify_chain().intact


def test_a_failing_extra_record_in_the_transaction_rolls_the_certificate_back(
    desk_setup: tuple[CertificateDesk, FlakyPrinter, Store],
) -> None:
    """A record added beside the certificate (as the fleet outbox is) commits with it or
    takes it down with it."""
    desk, printer, store = desk_setup
    seen: list[int] = []

    def outbox(session, record) -> None:  # type: ignore[no-untyped-def]
        seen.append(record.audit_seq)
        raise OSError("outbox write failed")

    store.issuance.hooks.append(outbox)
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    assert info.value.message is STORAGE_FAILED and seen == [1]
    assert counts(store) == {"certificates": 0, "jobs": 0, "issue_lines": 0}
    assert printer.submitted == []


def test_an_outcome_that_cannot_be_written_is_a_storage_failure(
    desk_setup: tuple[CertificateDesk, FlakyPrinter, Store],
) -> None:
    desk, printer, store = desk_setup
    real_settle = store.issuance.settle

    def broken_settle(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE", {}, Exception("database or disk is full"))

    store.issuance.settle = broken_settle  # type: ignore[method-assign]
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    assert info.value.message is STORAGE_FAILED
    store.issuance.settle = real_settle  # type: ignore[method-assign]
    # Registered, kept and audited together; the job stays kept for the attendant.
    assert counts(store) == {"certificates": 1, "jobs": 1, "issue_lines": 1}
    assert [j.verification_code for j in store.jobs.unprinted()] == ["CODE-1"]


@pytest.mark.parametrize("read", ["get", "document"])
def test_a_kept_job_that_cannot_be_read_back_for_printing_is_a_storage_failure(
    desk_setup: tuple[CertificateDesk, FlakyPrinter, Store], read: str,
) -> None:
    """The certificate was recorded; reading its job back to print it fails. The citizen is
    told the terminal cannot complete the request (and the terminal goes out of service),
    never shown a raw error."""
    desk, printer, store = desk_setup

    def broken_read(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    jobs = store.issuance.jobs
    setattr(jobs, read, broken_read)  # on the instance: the desk's own reads fail
    try:
        with pytest.raises(PrintFailure) as info:
            desk.issue_and_print(make_service(), PERSON, QueryResult("x"), "req-1")
    finally:
        delattr(jobs, read)
    assert info.value.message is STORAGE_FAILED
    assert printer.submitted == []
    assert counts(store) == {"certificates": 1, "jobs": 1, "issue_lines": 1}
    assert [j.verification_code for j in store.jobs.unprinted()] == ["CODE-1"]


# ---- a real full disk -------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (root only), unmounted afterwards whatever happens."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> None:
    """Write until the filesystem is full (ENOSPC), leaving zero bytes free."""
    with open(directory / "filler", "wb", buffering=0) as out:
        chunk = b"\0" * 65536
        while True:
            try:
                out.write(chunk)
            except OSError:
                if len(chunk) == 1:
                    return
                chunk = chunk[: len(chunk) // 2]


def test_on_a_full_disk_the_citizen_is_told_and_nothing_is_registered(
    tiny_disk: Path, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tiny_disk / 'k.sqlite3'}", tiny_disk, "T-1")
    printer = FlakyPrinter(PdfDirectoryPrinter(tmp_path / "printed"))
    desk = CertificateDesk(issuer=CountingIssuer(), issuance=store.issuance, printer=printer)
    runner = SessionRunner(card=_NoCard(), face=_NoFace(), query=_Query(), certificates=desk,
                           audit=store.audit)
    try:
        service = make_service()
        runner.dispatch(flow.ChooseService(service))
        runner.dispatch(flow.CardAccepted(runner.state.token, PERSON))
        runner.wait_for(lambda s: s.screen is flow.Screen.RESULT)
        fill(tiny_disk)
        runner.dispatch(flow.RequestPrint())
        state = runner.wait_for(lambda s: s.screen is not flow.Screen.PRINTING)
        assert state.screen is flow.Screen.ERROR and state.message is STORAGE_FAILED
        assert counts(store) == {"certificates": 0, "jobs": 0, "issue_lines": 0}
        assert printer.submitted == []
    finally:
        runner.shutdown()
        store.close()


class _NoCard:
    def arm(self, on_card, *, face_follows=False) -> None: ...  # type: ignore[no-untyped-def]
    def disarm(self) -> None: ...
    def session_ended(self) -> None: ...


class _NoFace:
    def start(self, person, on_done) -> None: ...  # type: ignore[no-untyped-def]
    def stop(self) -> None: ...


class _Query:
    def query(self, service, person, inputs):  # type: ignore[no-untyped-def]
        return QueryResult(service.id)


def test_a_store_that_cannot_write_takes_the_terminal_out_of_service_until_it_can(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1")
    reasons: dict[str, list[str]] = {}
    health = StorageHealth(store, lambda source, why: reasons.__setitem__(source, list(why)))
    housekeeping = Housekeeping(store, storage=health)
    runner = SessionRunner(card=_NoCard(), face=_NoFace(), query=_Query(),
                           certificates=Mock(), audit=store.audit)
    runner.on_storage_failure(health.write_failed)
    try:
        with failing_insert(store, "audit_log"):
            runner.dispatch(flow.ChooseService(make_service()))
            runner.dispatch(flow.CardAccepted(runner.state.token, PERSON))
            state = runner.wait_for(lambda s: s.screen is not flow.Screen.QUERYING)
            assert state.message is STORAGE_FAILED
            assert reasons == {"storage": [STORAGE_REASON]}
            housekeeping.run_once()  # still cannot write: stays out of service
            assert reasons == {"storage": [STORAGE_REASON]}
        housekeeping.run_once()  # the disk was cleared
        assert reasons == {"storage": []}
        assert store.audit.entries(1)[0].action == "storage"
    finally:
        runner.shutdown()
        store.close()

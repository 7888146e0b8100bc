"""Certificates that did not print: the code and a claim slip go to the citizen, the card holder
collects exactly their own kept jobs later, and staff see and reprint any of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from devices.printer.base import PaperJam, PrinterOffline
from devices.printer.pdf_dir import PdfDirectoryPrinter
from kiosk.certificates import CertificateDesk
from kiosk.session import NothingToCollect, PrintFailure
from kiosk.store import Store
from kiosk.store.models import PrintJob
from printing.codes import holder_id_hash
from printing.registry import RegistryEntry
from services_catalog.model import AuthenticatedPerson, QueryResult, mask_name

from .test_certificate_desk import FlakyPrinter, Issued
from .test_flow import make_service

ZHANG = AuthenticatedPerson("410402198805201238", "张伟")
LI = AuthenticatedPerson("410403195608120028", "李秀英")


@dataclass
class RecordingIssuer:
    """Makes each certificate's registry entry with the holder's keyed hash, as the real
    issuer does (the desk records it with its job)."""

    store: Store
    calls: int = 0

    def __call__(self, service, person, result) -> Issued:  # noqa: ANN001
        self.calls += 1
        code = f"CODE-{self.calls:04d}"
        entry = RegistryEntry(
            verification_code=code, content_sha256="0" * 64, service_id=service.id,
            service_name_zh=service.name_zh, holder_masked_name=mask_name(person.name),
            holder_id_hash=holder_id_hash(self.store.keys.derive("id-hash"), person.id_number),
            issued_at=datetime.now(UTC), terminal_id="T-1", seal_id="s", demo=True,
            pdf_sha256="0" * 64,
        )
        return Issued(b"%PDF-1.7 certificate " + code.encode(), code, entry)


@dataclass
class Slips:
    claims: list[tuple[str, str, int]] = field(default_factory=list)
    broken: bool = False

    def print_slip(self, service_name: str, verification_code: str) -> None:
        pass

    def print_claim_slip(self, service_name: str, verification_code: str, days: int) -> None:
        if self.broken:
            raise PrinterOffline("receipt printer unplugged")
        self.claims.append((service_name, verification_code, days))


@pytest.fixture
def desk_setup(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1",
                       job_retention=timedelta(days=7))
    printer = FlakyPrinter(PdfDirectoryPrinter(tmp_path / "printed"))
    slips = Slips()
    desk = CertificateDesk(issuer=RecordingIssuer(store), issuance=store.issuance,
                           printer=printer, receipt=slips)
    yield desk, printer, slips, store
    store.close()


def _jam(desk: CertificateDesk, person: AuthenticatedPerson, service_id: str) -> PrintFailure:
    service = make_service(id=service_id)
    with pytest.raises(PrintFailure) as info:
        desk.issue_and_print(service, person, QueryResult(service_id), f"req-{service_id}-"
                             f"{person.id_number[-4:]}")
    desk.forget_session()  # the citizen leaves
    return info.value


def test_a_failed_print_gives_the_code_a_claim_slip_and_how_to_collect(desk_setup) -> None:
    desk, printer, slips, _ = desk_setup
    printer.fault = PaperJam
    failure = _jam(desk, ZHANG, "real_estate.registration_info")
    assert failure.verification_code == "CODE-0001" and failure.slip_printed
    assert slips.claims == [("不动产登记信息查询", "CODE-0001", 7)]
    assert "卡纸" in failure.message.zh and "领取证明" in failure.message.zh
    assert "7 days" in failure.message.en


def test_no_slip_when_the_receipt_printer_is_down_but_the_code_is_still_given(desk_setup) -> None:
    desk, printer, slips, _ = desk_setup
    printer.fault, slips.broken = PrinterOffline, True
    failure = _jam(desk, ZHANG, "real_estate.registration_info")
    assert failure.verification_code == "CODE-0001" and not failure.slip_printed


def test_the_holder_collects_only_their_own_kept_certificates(desk_setup) -> None:
    desk, printer, _, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    _jam(desk, LI, "pension.payments")
    _jam(desk, ZHANG, "social_insurance.record")
    printer.fault = None
    assert desk.collect(ZHANG) == ("CODE-0001", "CODE-0003")
    assert len(printer.submitted) == 2
    assert [j.verification_code for j in store.jobs.waiting()] == ["CODE-0002"]
    with pytest.raises(NothingToCollect) as info:
        desk.collect(ZHANG)  # printed ones are gone
    assert "12345" in info.value.message.zh


def test_collect_stops_at_a_failure_and_keeps_the_rest(desk_setup) -> None:
    desk, printer, _, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    _jam(desk, ZHANG, "social_insurance.record")
    printer.fault, printer.fail_in_wait = None, False
    calls = {"n": 0}
    real_submit = printer.submit

    def jam_on_second(pdf: bytes, title: str):  # noqa: ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise PaperJam()
        return real_submit(pdf, title)

    printer.submit = jam_on_second  # type: ignore[method-assign]
    with pytest.raises(PrintFailure) as info:
        desk.collect(ZHANG)
    assert info.value.message.zh.startswith("已打出 1 份证明。")
    assert [j.verification_code for j in store.jobs.waiting()] == ["CODE-0002"]


def test_expired_jobs_are_neither_collected_nor_listed(desk_setup) -> None:
    desk, printer, _, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    with store.engine.begin() as connection:
        connection.execute(update(PrintJob).values(
            created_at=datetime.now(UTC) - timedelta(days=8)))
    printer.fault = None
    assert store.jobs.waiting() == []
    with pytest.raises(NothingToCollect):
        desk.collect(ZHANG)


def test_staff_see_every_waiting_job_masked_and_reprint_any_of_them(desk_setup) -> None:
    desk, printer, _, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    _jam(desk, LI, "pension.payments")
    waiting = desk.waiting()
    assert [(j.verification_code, j.holder_masked_name, j.service_name_zh) for j in waiting] == [
        ("CODE-0002", "李**", "不动产登记信息查询"),
        ("CODE-0001", "张*", "不动产登记信息查询"),
    ]
    assert all(j.status == "failed" for j in waiting)
    printer.fault = None
    outcome = desk.reprint(waiting[1].id)  # the older one, not "the last one"
    assert outcome is not None and outcome.printed and outcome.verification_code == "CODE-0001"
    assert [j.verification_code for j in desk.waiting()] == ["CODE-0002"]
    assert desk.reprint(waiting[1].id) is None  # printed: nothing left to reprint
    entries = [(e.action, e.outcome, e.detail) for e in store.audit.entries()]
    assert ("reprint", "ok", "CODE-0001") in entries


def test_kept_jobs_survive_a_restart_of_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    store = Store.open(url, tmp_path, "T-1")
    printer = FlakyPrinter(PdfDirectoryPrinter(tmp_path / "printed"), fault=PaperJam)
    desk = CertificateDesk(issuer=RecordingIssuer(store), issuance=store.issuance,
                           printer=printer)
    _jam(desk, ZHANG, "real_estate.registration_info")
    store.close()
    again = Store.open(url, tmp_path, "T-1")
    try:
        printer.fault = None
        desk = CertificateDesk(issuer=RecordingIssuer(again), issuance=again.issuance,
                               printer=printer)
        assert desk.collect(ZHANG) == ("CODE-0001",)
        assert printer.submitted[-1] == b"%PDF-1.7 certificate CODE-0001"
    finally:
        again.close()


def test_a_kept_job_already_printing_is_not_sent_a_second_time(desk_setup) -> None:
    """A collect that is slow (the screen gave up and the citizen pressed Try again) or the
    attendant's reprint at the same moment: the job already on its way is not sent again."""
    import threading

    desk, printer, _, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    printer.fault = None
    entered, release = threading.Event(), threading.Event()
    slow_wait = printer.wait

    def wait(job, timeout_s):  # noqa: ANN001, ANN202
        entered.set()
        release.wait(10)
        return slow_wait(job, timeout_s)

    printer.wait = wait  # type: ignore[method-assign]
    first: list[tuple[str, ...]] = []
    worker = threading.Thread(target=lambda: first.append(desk.collect(ZHANG)))
    worker.start()
    assert entered.wait(10)
    job_id = store.jobs.waiting()[0].id
    again = desk.reprint(job_id)  # the attendant, meanwhile
    with pytest.raises(PrintFailure) as info:
        desk.collect(ZHANG)  # Try again, meanwhile
    release.set()
    worker.join(10)
    assert first == [("CODE-0001",)]
    assert len(printer.submitted) == 1  # one copy came out
    assert again is not None and not again.printed
    assert again.message is not None and "正在打印" in again.message.zh
    assert "正在打印" in info.value.message.zh


def test_a_restart_after_the_printer_took_a_job_does_not_print_it_again(desk_setup) -> None:
    """kill -9 (here: an exception nothing catches) after the printer took a kept job and
    before its outcome was written: after the restart the job is in doubt, kept for staff to
    confirm, and not sent a second time by the citizen's collect."""
    desk, printer, slips, store = desk_setup
    printer.fault = PaperJam
    _jam(desk, ZHANG, "real_estate.registration_info")
    printer.fault = None

    class Died(BaseException):
        pass

    took = printer.submit

    def take_then_die(pdf: bytes, title: str):  # noqa: ANN202
        took(pdf, title)
        raise Died

    printer.submit = take_then_die  # type: ignore[method-assign]
    with pytest.raises(Died):
        desk.collect(ZHANG)
    printer.submit = took  # type: ignore[method-assign]
    restarted = CertificateDesk(issuer=RecordingIssuer(store), issuance=store.issuance,
                                printer=printer, receipt=slips)
    with pytest.raises(PrintFailure) as info:
        restarted.collect(ZHANG)
    assert len(printer.submitted) == 1
    assert "出纸口" in info.value.message.zh
    (kept,) = store.jobs.waiting()
    assert "in-doubt" in kept.reason  # staff see "may have printed: check the tray first"

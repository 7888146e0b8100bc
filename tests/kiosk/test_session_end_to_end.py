"""A whole citizen session with every real mechanism and no screen: the reader simulator on a
pseudo-terminal read by the real driver, the demo back-end over HTTP, a sealed and signed
certificate recorded in the store and printed to the PDF-directory sink."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk import flow
from kiosk.config import Settings
from kiosk.flow import Screen
from kiosk.runtime import Runtime
from printing.verify import verify_certificate
from services_catalog.model import Category

SERVICE = "real_estate.registration_info"


@pytest.fixture
def runtime(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    # Office hours, whenever the tests run: real-estate back-ends close at night.
    noon = datetime.now().replace(hour=12, minute=0)
    rt = Runtime.build(settings, simulate=True, place_delay_s=0.2, start_verify_web=False,
                       wall_clock=lambda: noon)
    rt.start()
    rt.runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
    deadline = time.monotonic() + 20
    while not all(status.ready for status in rt.device_statuses()):
        assert time.monotonic() < deadline, rt.device_statuses()
        time.sleep(0.05)
    yield rt
    rt.stop()


def test_card_to_printed_certificate_and_wipe(runtime: Runtime, tmp_path: Path) -> None:
    runner = runtime.runner
    runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
    runner.dispatch(flow.Touch())
    runner.dispatch(flow.ChooseCategory(Category.REAL_ESTATE))
    service = runtime.catalog.get(SERVICE)
    runner.dispatch(flow.ChooseService(service))
    assert runner.state.screen is Screen.PLACE_CARD

    state = runner.wait_for(lambda s: s.screen is Screen.RESULT, 40)
    assert state.person is not None and state.person.id_number == "410402198805201238"
    assert state.result is not None and state.result.service_id == SERVICE

    runner.dispatch(flow.RequestPrint())
    state = runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 30)
    assert state.screen is Screen.DONE, state.message
    code = state.verification_code

    printed = list((tmp_path / "data" / "printed").glob("*.pdf"))
    assert len(printed) == 1
    pdf = printed[0].read_bytes()
    entry = runtime.store.certificates.lookup(code)
    assert entry is not None and entry.service_id == SERVICE
    assert entry.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    report = verify_certificate(pdf, [runtime.demo_trust_root], runtime.store.certificates)
    assert report.valid, report.summary("en")
    assert [j.status for j in [runtime.store.jobs.latest()]] == ["printed"]

    runner.dispatch(flow.Finish())
    state = runner.state
    assert state.screen is Screen.ATTRACT and state.person is None and state.result is None
    actions = [e.action for e in runtime.store.audit.entries()]
    assert {"card_read", "query", "certificate_issue", "print"} <= set(actions)
    # The session's end is anchored outside the database (after its own audit line).
    end = runtime.store.audit.entries(1)[0]
    anchor = runtime.store.anchors.file.load()
    deadline = time.monotonic() + 20  # the anchor is written on the worker pool
    while (anchor is None or anchor.seq < end.seq) and time.monotonic() < deadline:
        time.sleep(0.05)
        end, anchor = runtime.store.audit.entries(1)[0], runtime.store.anchors.file.load()
    assert anchor is not None and end.action == "session_end" and anchor.seq == end.seq
    assert runtime.store.audit.verify_chain([anchor]).intact


def test_no_card_then_a_checksum_error_then_a_good_read(runtime: Runtime) -> None:
    from devices.idcard.codec import Command
    from devices.idcard.simulator import Fault

    runner = runtime.runner
    sim = runtime.simulation
    assert sim is not None
    sim.place_delay_s = 60  # the citizen is slow: nothing lies on the reader yet
    runner.dispatch(flow.ChooseService(runtime.catalog.get(SERVICE)))
    assert runner.state.screen is Screen.PLACE_CARD
    # A corrupted reply on the wire: the driver must not accept it as a person.
    sim.reader.inject(Fault.CHECKSUM, on=Command.READ_TEXT_PHOTO, times=None)
    sim.place_delay_s = 0.1
    sim.place_card_soon()
    state = runner.wait_for(lambda s: s.screen in (Screen.ERROR, Screen.RESULT), 40)
    assert state.screen is Screen.ERROR and state.message is not None
    assert state.message.can_retry and state.person is None
    sim.reader.clear_faults()
    runner.dispatch(flow.Retry())
    state = runner.wait_for(lambda s: s.screen is Screen.RESULT, 40)
    assert state.person is not None


def test_nothing_personal_reaches_logs_or_disk(runtime: Runtime, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    runner = runtime.runner
    runner.dispatch(flow.ChooseService(runtime.catalog.get(SERVICE)))
    runner.wait_for(lambda s: s.screen is Screen.RESULT, 40)
    runner.dispatch(flow.RequestPrint())
    runner.wait_for(lambda s: s.screen is Screen.DONE, 40)
    runner.dispatch(flow.Finish())
    runtime.store.close()
    secrets_in_clear = ["410402198805201238", "张伟", "建设路中段锦绣花园"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets_in_clear:
        assert secret not in logged
    data_dir = tmp_path / "data"
    printed = data_dir / "printed"  # the development printer sink: paper, not a record
    for path in data_dir.rglob("*"):
        if path.is_file() and printed not in path.parents:
            blob = path.read_bytes()
            for secret in secrets_in_clear:
                assert secret.encode() not in blob, path
                assert secret.encode("utf-16-le") not in blob, path


def test_at_night_a_closed_back_end_is_said_before_the_card(runtime: Runtime) -> None:
    runtime.runner.wall_clock = lambda: datetime.now().replace(hour=23, minute=30)
    runtime.runner.dispatch(flow.ChooseService(runtime.catalog.get(SERVICE)))
    state = runtime.runner.state
    assert state.screen is Screen.ERROR and state.message is not None
    assert "06:00" in state.message.zh and state.person is None


def test_camera_unplugged_during_the_face_step_shows_a_plain_error(runtime: Runtime) -> None:
    runner = runtime.runner
    runtime.simulation.place_delay_s = 0.1
    runner.dispatch(flow.ChooseService(runtime.catalog.get(SERVICE)))
    runner.wait_for(lambda s: s.screen is Screen.FACE, 40)
    runtime.camera.unplug()
    state = runner.wait_for(lambda s: s.screen is not Screen.FACE, 40)
    assert state.screen is Screen.ERROR and state.message is not None
    assert "摄像头" in state.message.zh and state.message.can_retry
    # Staff are offered on weekdays; on a weekend the message gives the hall's phone instead.
    assert state.message.offer_attendant or "12345" in state.message.zh
    # Between sessions a missing required camera puts the terminal out of service...
    runner.dispatch(flow.Finish())
    assert runner.wait_for(lambda s: s.screen is Screen.OUT_OF_SERVICE, 20)
    # ...and it comes back by itself.
    runtime.camera.replug()
    assert runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 20)


def test_the_receipt_slip_carries_the_code_and_not_the_holder(tmp_path: Path) -> None:
    from kiosk.config import ReceiptSettings

    slip = tmp_path / "slip.bin"
    settings = Settings(data_dir=tmp_path / "data",
                        receipt=ReceiptSettings(enabled=True, device=f"file:{slip}"))
    noon = datetime.now().replace(hour=12, minute=0)
    rt = Runtime.build(settings, simulate=True, place_delay_s=0.1, start_verify_web=False,
                       wall_clock=lambda: noon)
    rt.start()
    try:
        rt.runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
        rt.runner.dispatch(flow.ChooseService(rt.catalog.get(SERVICE)))
        rt.runner.wait_for(lambda s: s.screen is Screen.RESULT, 40)
        rt.runner.dispatch(flow.RequestPrint())
        state = rt.runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 40)
        assert state.screen is Screen.DONE
        data = slip.read_bytes()
        assert state.verification_code.encode() in data
        assert b"410402198805201238" not in data and "张伟".encode("gb18030") not in data
        assert "不动产登记信息查询".encode("gb18030") in data
    finally:
        rt.stop()

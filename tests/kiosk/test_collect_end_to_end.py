"""End to end with every real mechanism (reader simulator on a pty, simulated camera and demo
verifier, demo back-end over HTTP, sealed certificates, the store): a jam at night leaves the
citizen with the code and a claim slip; after a restart the same card collects the certificate.
And the other cards a terminal meets: residence permits and both foreign permanent resident
card layouts reach an answer, where "no record" is an answer, not a failure."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from devices.printer.base import PaperJam
from devices.status import DeviceClass
from kiosk import flow
from kiosk.config import ReceiptSettings, Settings
from kiosk.flow import Screen
from kiosk.runtime import Runtime

PRINTABLE = "real_estate.registration_info"  # card + face, prints a certificate
CARD_ONLY = "electricity.tiered_usage"  # card only, no inputs, open around the clock
NOON = datetime.now().replace(hour=12, minute=0)


def _start(settings: Settings) -> Runtime:
    rt = Runtime.build(settings, simulate=True, place_delay_s=0.2, start_verify_web=False,
                       wall_clock=lambda: NOON)
    rt.start()
    deadline = time.monotonic() + 20
    # The receipt printer on a plain device file cannot report: it stays "starting".
    while not all(status.ready for status in rt.device_statuses()
                  if status.device_class is not DeviceClass.RECEIPT_PRINTER):
        assert time.monotonic() < deadline, rt.device_statuses()
        time.sleep(0.05)
    rt.runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
    return rt


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data",
                    receipt=ReceiptSettings(enabled=True, device=f"file:{tmp_path / 'slip.bin'}"))


def test_a_jam_leaves_code_and_slip_and_the_card_collects_after_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    rt = _start(settings)
    try:
        runner = rt.runner
        real_submit = rt.printer.submit

        def jammed(pdf: bytes, title: str):  # noqa: ANN202
            raise PaperJam("media-jam-error")

        rt.printer.submit = jammed
        runner.dispatch(flow.ChooseService(rt.catalog.get(PRINTABLE)))
        runner.wait_for(lambda s: s.screen is Screen.RESULT, 40)
        runner.dispatch(flow.RequestPrint())
        state = runner.wait_for(lambda s: s.screen in (Screen.PRINT_KEPT, Screen.ERROR), 30)
        assert state.screen is Screen.PRINT_KEPT, state.message
        code = state.verification_code
        assert code and state.slip_printed
        assert state.message is not None and "领取证明" in state.message.zh
        slip = (tmp_path / "slip.bin").read_bytes()
        assert code.encode() in slip and b"Claim slip" in slip
        runner.dispatch(flow.Finish())
        assert runner.state.verification_code == ""
        rt.printer.submit = real_submit
    finally:
        rt.stop()

    rt = _start(settings)  # the terminal restarts overnight
    try:
        runner = rt.runner
        printed_dir = tmp_path / "data" / "printed"
        assert not list(printed_dir.glob("*.pdf"))
        runner.dispatch(flow.StartCollect())
        assert runner.state.screen is Screen.PLACE_CARD
        state = runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 60)
        assert state.screen is Screen.DONE, state.message
        assert state.verification_code == code
        assert len(list(printed_dir.glob("*.pdf"))) == 1
        assert rt.store.jobs.waiting() == []
        actions = {(e.action, e.outcome) for e in rt.store.audit.entries()}
        assert {("face_check", "match"), ("collect", "ok")} <= actions
    finally:
        rt.stop()


@pytest.mark.parametrize("id_number", [
    "81000019940823003X",  # Hong Kong/Macao/Taiwan residence permit
    "USA110079060514",  # foreign permanent resident card, 15 characters (2017 edition)
    "911840198503120124",  # foreign permanent resident card, 18 characters (2023 edition)
])
def test_other_cards_are_accepted_and_no_record_is_a_normal_answer(
    settings: Settings, id_number: str
) -> None:
    rt = _start(settings)
    try:
        assert rt.simulation is not None
        rt.simulation.card_id = id_number
        rt.runner.dispatch(flow.ChooseService(rt.catalog.get(CARD_ONLY)))
        state = rt.runner.wait_for(lambda s: s.screen in (Screen.RESULT, Screen.ERROR), 40)
        assert state.screen is Screen.RESULT, state.message
        assert state.person is not None and state.person.id_number == id_number
        assert state.person.name  # the English name when the card has no Chinese one
        assert state.result is not None and not state.result.record_found
    finally:
        rt.stop()

"""The real driver against the simulator in-process (a simreader:// URL as its port): reads,
every fault, the polling worker. Unplugging needs a device node: see test_reader_pty.py."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from idcard_helpers import CARDS, Recorder, fast_reader, same_card, started

from devices.idcard import errors
from devices.idcard.codec import Command
from devices.idcard.reader import CardPresent, CardRead, CardRemoved, IdCardReader, ReaderFault
from devices.idcard.session import ReaderSession
from devices.idcard.sim_core import Fault, SimulatedReader
from devices.status import CardPresence, DeviceClass, DeviceState

# --- synchronous reads -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CARDS))
def test_reads_every_demo_card_through_the_wire(sim: SimulatedReader, name: str) -> None:
    sim.place_card(CARDS[name])
    with fast_reader(sim.url()) as reader:
        card = reader.read_card()
    assert same_card(card, CARDS[name])
    assert len(card.photo_wlt) == 1024
    assert sim.commands[Command.FIND_CARD] == 1 and sim.commands[Command.SELECT_CARD] == 1


def test_the_synchronous_session_alone_reads_without_a_thread(sim: SimulatedReader) -> None:
    sim.place_card(CARDS["chen_jiaming_hk_permit"])
    threads = threading.active_count()
    with ReaderSession(sim.url(), find_timeout_s=0.8) as session:
        card = session.read_card()
        assert session.read_sam_id() == "05.01-20101010-0012345678-0987654321"
        assert threading.active_count() == threads
    assert same_card(card, CARDS["chen_jiaming_hk_permit"]) and not session.is_open
    assert issubclass(IdCardReader, ReaderSession)


def test_appended_address_and_fingerprint_read(sim: SimulatedReader) -> None:
    sim.place_card(CARDS["wang_jianguo"])
    with fast_reader(sim.url(), fingerprints=True) as reader:
        card = reader.read_card()
    assert card.appended_address == "河南省平顶山市新华区光明路中段9号院"
    assert sim.commands[Command.READ_TEXT_PHOTO_FINGERPRINT] == 1
    assert card.fingerprint == b""  # the demo card holds no fingerprints


def test_sam_status_and_id(sim: SimulatedReader) -> None:
    with fast_reader(sim.url()) as reader:
        reader.read_sam_status()
        reader.reset_sam()
        assert reader.read_sam_id() == "05.01-20101010-0012345678-0987654321"
        sim.inject(Fault.SAM_FAILURE)
        with pytest.raises(errors.SamSelfTestFailed):
            reader.read_sam_status()


def test_no_card_then_a_card_placed_while_waiting(sim: SimulatedReader) -> None:
    with fast_reader(sim.url()) as reader:
        with pytest.raises(errors.NoCard):
            reader.read_card()
        timer = threading.Timer(0.2, sim.place_card, [CARDS["zhang_wei"]])
        timer.start()
        card = reader.read_card(timeout_s=5)
        timer.join()
    assert card.id_number == "410402198805201238"


@pytest.mark.parametrize(
    ("fault", "on"),
    [
        (Fault.CHECKSUM, Command.READ_TEXT_PHOTO),
        (Fault.CHECKSUM, Command.FIND_CARD),
        (Fault.STRAY_BYTES, Command.FIND_CARD),
        (Fault.STRAY_BYTES, Command.READ_TEXT_PHOTO),
        (Fault.SPLIT, Command.READ_TEXT_PHOTO),
        (Fault.SLOW, Command.SELECT_CARD),
        (Fault.SILENT, Command.READ_TEXT_PHOTO),
        (Fault.READ_FAILED, None),
        (Fault.SELECT_FAILED, None),
    ],
)
def test_transient_fault_is_recovered_within_one_read(
    sim: SimulatedReader, fault: Fault, on: Command | None
) -> None:
    sim.place_card(CARDS["zhao_shulan"])
    sim.inject(fault, on=on, delay_s=0.5)
    with fast_reader(sim.url()) as reader:
        card = reader.read_card()
    assert same_card(card, CARDS["zhao_shulan"])


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.UNKNOWN_CARD_TYPE, errors.UnknownCardType),
        (Fault.READ_FAILED, errors.ReadFailed),
        (Fault.SELECT_FAILED, errors.SelectFailed),
        (Fault.CHECKSUM, errors.BadFrameChecksum),
    ],
)
def test_persistent_fault_raises_typed_error_then_next_card_reads(
    sim: SimulatedReader, fault: Fault, error: type[errors.IdCardError]
) -> None:
    sim.place_card(CARDS["li_xiuying"])
    on = Command.READ_TEXT_PHOTO if fault is Fault.CHECKSUM else None
    sim.inject(fault, on=on, times=None)
    with fast_reader(sim.url()) as reader:
        with pytest.raises(error) as info:
            reader.read_card()
        assert info.value.message_zh and info.value.message_en
        sim.clear_faults()
        sim.place_card(CARDS["zhang_wei"])
        assert reader.read_card().id_number == "410402198805201238"


def test_silent_reader_times_out(sim: SimulatedReader) -> None:
    sim.place_card(CARDS["zhang_wei"])
    sim.inject(Fault.SILENT, on=Command.FIND_CARD, times=None)
    with fast_reader(sim.url(), retries=1) as reader:
        with pytest.raises(errors.ReaderTimeout):
            reader.read_card()
        assert sim.commands[Command.FIND_CARD] == 2  # one try and one retry


def test_missing_port_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(errors.ReaderUnavailable):
        fast_reader(str(tmp_path / "nothing-here")).open()


def test_cancel_interrupts_a_waiting_read(sim: SimulatedReader) -> None:
    reader = fast_reader(sim.url())
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            reader.read_card(timeout_s=60)
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever it was
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.2)
    reader.cancel()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert isinstance(outcome[0], errors.ReadCancelled)
    reader.close()


def test_logs_mask_the_id_number(sim: SimulatedReader, caplog: pytest.LogCaptureFixture) -> None:
    sim.place_card(CARDS["zhang_wei"])
    with caplog.at_level(logging.DEBUG, logger="devices.idcard"):
        with fast_reader(sim.url()) as reader:
            reader.read_card()
    assert "4104**********1238" in caplog.text
    assert "410402198805201238" not in caplog.text and "张伟" not in caplog.text


# --- the polling worker ----------------------------------------------------------------------


def test_worker_reports_each_placement_once(sim: SimulatedReader, recorder: Recorder) -> None:
    reader = started(sim.url(), recorder)
    try:
        online = recorder.wait_state(DeviceState.ONLINE)
        assert online.device_class is DeviceClass.IDCARD_READER
        assert online.info["sam_id"] == "05.01-20101010-0012345678-0987654321"
        sim.place_card(CARDS["zhang_wei"])
        assert isinstance(recorder.next_event(), CardPresent)
        event = recorder.next_event()
        assert isinstance(event, CardRead) and same_card(event.card, CARDS["zhang_wei"])
        # The card stays: polling goes on, but it is not read again.
        finds = sim.commands[Command.FIND_CARD]
        assert recorder.no_event_within(0.5)
        assert sim.commands[Command.FIND_CARD] > finds
        assert sim.commands[Command.READ_TEXT_PHOTO] == 1
        assert reader.status.reader is not None
        assert reader.status.reader.card is CardPresence.PRESENT
        sim.remove_card()
        assert isinstance(recorder.next_event(), CardRemoved)
        sim.place_card(CARDS["li_xiuying"])
        assert isinstance(recorder.next_event(), CardPresent)
        event = recorder.next_event()
        assert isinstance(event, CardRead) and event.card.id_number == "410403195608120028"
    finally:
        reader.stop()


def test_worker_reports_read_fault_once_and_reads_the_next_card(
    sim: SimulatedReader, recorder: Recorder
) -> None:
    reader = started(sim.url(), recorder)
    try:
        recorder.wait_state(DeviceState.ONLINE)
        sim.inject(Fault.UNKNOWN_CARD_TYPE, times=None)
        sim.place_card(CARDS["wang_jianguo"])
        assert isinstance(recorder.next_event(), CardPresent)
        fault = recorder.next_event()
        assert isinstance(fault, ReaderFault) and isinstance(fault.error, errors.UnknownCardType)
        assert recorder.no_event_within(0.4)  # no read loop on a card left lying
        sim.remove_card()
        assert isinstance(recorder.next_event(), CardRemoved)
        sim.clear_faults()
        sim.place_card(CARDS["wang_jianguo"])
        assert isinstance(recorder.next_event(), CardPresent)
        event = recorder.next_event()
        assert isinstance(event, CardRead) and event.card.appended_address
    finally:
        reader.stop()


def test_worker_sam_failure_is_hardware_error_until_it_recovers(
    sim: SimulatedReader, recorder: Recorder
) -> None:
    sim.inject(Fault.SAM_FAILURE, times=None)
    reader = started(sim.url(), recorder)
    try:
        status = recorder.wait_state(DeviceState.HARDWARE_ERROR)
        assert "security module" in status.detail
        fault = recorder.next_event()
        assert isinstance(fault, ReaderFault)
        assert isinstance(fault.error, errors.SamSelfTestFailed)
        sim.clear_faults()
        recorder.wait_state(DeviceState.ONLINE)
    finally:
        reader.stop()


def test_worker_disarmed_ignores_cards_and_arming_reads_a_lying_card(
    sim: SimulatedReader, recorder: Recorder
) -> None:
    reader = started(sim.url(), recorder, armed=False)
    try:
        recorder.wait_state(DeviceState.ONLINE)
        sim.place_card(CARDS["zhang_wei"])
        while (status := recorder.statuses.get(timeout=5)).reader.card is not CardPresence.PRESENT:  # type: ignore[union-attr]
            pass
        assert recorder.no_event_within(0.3)
        assert sim.commands[Command.READ_TEXT_PHOTO] == 0
        reader.arm()
        assert isinstance(recorder.next_event(), CardPresent)
        assert isinstance(recorder.next_event(), CardRead)
        assert status.state is DeviceState.ONLINE
    finally:
        reader.stop()


def test_worker_stops_promptly_during_a_slow_reply(
    sim: SimulatedReader, recorder: Recorder
) -> None:
    reader = started(sim.url(), recorder, find_timeout_s=30)
    recorder.wait_state(DeviceState.ONLINE)
    sim.inject(Fault.SILENT, on=Command.FIND_CARD, times=None)
    time.sleep(0.2)
    stopper = threading.Thread(target=reader.stop)
    stopper.start()
    stopper.join(timeout=3)  # a 30 s command timeout must not hold it
    assert not stopper.is_alive()
    assert recorder.wait_state(DeviceState.OFFLINE).detail == "stopped"


def test_worker_polls_no_faster_than_its_interval(sim: SimulatedReader, recorder: Recorder) -> None:
    reader = started(sim.url(), recorder, poll_interval_s=0.3)
    try:
        recorder.wait_state(DeviceState.ONLINE)
        before = sim.commands[Command.FIND_CARD]
        begun = time.monotonic()
        time.sleep(1.0)
        elapsed = time.monotonic() - begun
        polls = sim.commands[Command.FIND_CARD] - before
        assert polls <= elapsed / 0.3 + 1
    finally:
        reader.stop()


def test_broken_listener_does_not_stop_the_worker(sim: SimulatedReader, recorder: Recorder) -> None:
    reader = fast_reader(sim.url())

    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    reader.subscribe(broken)
    reader.subscribe(recorder.on_event)
    reader.start()
    try:
        sim.place_card(CARDS["zhang_wei"])
        assert isinstance(recorder.next_event(), CardPresent)
        assert isinstance(recorder.next_event(), CardRead)
    finally:
        reader.stop()

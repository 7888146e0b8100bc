"""The driver over a real pseudo-terminal: what needs a device node (unplug and replug at the
same path), and proof that the pty and the in-process simreader:// port send the same bytes."""

from __future__ import annotations

import os
import time

import pytest
import serial
from idcard_helpers import CARDS, Recorder, fast_reader, same_card, started

from devices.idcard import errors
from devices.idcard.codec import Command, FrameDecoder, decode_reply, encode_command
from devices.idcard.reader import CardPresent, CardRead, ReaderFault
from devices.idcard.sim_core import Fault, SimulatedReader
from devices.idcard.simulator import ReaderSimulator
from devices.idcard.urlhandler import protocol_simreader
from devices.status import DeviceState

FRAMES = [
    encode_command(Command.SAM_ID),
    encode_command(Command.FIND_CARD),
    encode_command(Command.SELECT_CARD),
    encode_command(Command.READ_TEXT_PHOTO),
    encode_command(Command.READ_APPENDED_ADDRESS),
    encode_command(Command.FIND_CARD)[:-1] + b"\x00",  # damaged: the checksum is wrong
]


def exchange(port: serial.SerialBase, expected: list[bytes]) -> list[bytes]:
    """Send each frame and read back as many bytes as the simulator core says it answers."""
    replies = []
    for frame, want in zip(FRAMES, expected, strict=True):
        port.write(frame)
        replies.append(port.read(len(want)))
    port.timeout = 0.05
    replies.append(port.read(1))  # and then nothing more
    return replies


def decoded_sw3(data: bytes) -> int:
    decoder = FrameDecoder()
    decoder.feed(data)
    return decode_reply(decoder.next_frame()).sw3


def make(fault: Fault | None, kind: type[SimulatedReader]) -> SimulatedReader:
    reader = kind(CARDS["wang_jianguo"])
    if fault is not None:
        reader.inject(fault, on=Command.READ_TEXT_PHOTO)
    return reader


@pytest.mark.parametrize(
    "fault", [None, Fault.CHECKSUM, Fault.STRAY_BYTES, Fault.SPLIT, Fault.READ_FAILED]
)
def test_pty_and_in_process_ports_send_the_same_bytes(fault: Fault | None) -> None:
    line = make(fault, SimulatedReader).connect()
    expected = [b"".join(p.data for p in line.receive(frame).pieces) for frame in FRAMES]
    pty_sim = make(fault, ReaderSimulator)
    try:
        with serial.serial_for_url(pty_sim.start_pty(), timeout=3) as port:
            over_pty = exchange(port, expected)
    finally:
        pty_sim.stop()
    in_process = make(fault, SimulatedReader)
    with serial.serial_for_url(in_process.url(), timeout=3) as port:
        assert isinstance(port, protocol_simreader.Serial)
        assert over_pty == exchange(port, expected) == [*expected, b""]
    assert pty_sim.commands == in_process.commands
    assert pty_sim.bytes_out == in_process.bytes_out == sum(map(len, expected))
    assert decoded_sw3(expected[0]) == 0x90 and decoded_sw3(expected[-1]) == 0x10
    if fault is Fault.CHECKSUM:
        with pytest.raises(errors.BadFrameChecksum):
            decoded_sw3(expected[3])
    else:
        assert decoded_sw3(expected[3]) == (0x41 if fault is Fault.READ_FAILED else 0x90)


def test_disconnect_mid_frame_then_replug_at_the_same_path(pty_sim: ReaderSimulator) -> None:
    link = pty_sim.path
    pty_sim.place_card(CARDS["zhang_wei"])
    pty_sim.inject(Fault.DISCONNECT, on=Command.READ_TEXT_PHOTO)
    reader = fast_reader(link)
    with pytest.raises(errors.ReaderUnavailable):
        reader.read_card()
    # The simulator's thread removes the device node just after the line drops.
    deadline = time.monotonic() + 5
    while os.path.exists(link) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not reader.is_open and not os.path.exists(link)
    with pytest.raises(errors.ReaderUnavailable):
        reader.read_card()
    pty_sim.start_pty(link=link)
    assert same_card(reader.read_card(), CARDS["zhang_wei"])
    reader.close()


def test_worker_survives_unplug_and_replug(pty_sim: ReaderSimulator, recorder: Recorder) -> None:
    link = pty_sim.path
    reader = started(link, recorder)
    try:
        recorder.wait_state(DeviceState.ONLINE)
        pty_sim.inject(Fault.DISCONNECT, on=Command.FIND_CARD)
        status = recorder.wait_state(DeviceState.NO_DEVICE)
        assert status.detail and not status.ready
        fault = recorder.next_event()
        assert isinstance(fault, ReaderFault)
        assert isinstance(fault.error, errors.ReaderUnavailable)
        assert recorder.no_event_within(0.3)  # reported once, not on every reopen attempt
        pty_sim.start_pty(link=link)
        recorder.wait_state(DeviceState.ONLINE)
        pty_sim.place_card(CARDS["zhao_shulan"])
        assert isinstance(recorder.next_event(), CardPresent)
        assert isinstance(recorder.next_event(), CardRead)
    finally:
        reader.stop()

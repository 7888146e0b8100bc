"""The in-process simreader:// port: its URL, its pyserial behaviour, and the driver through it
with no pty and no thread (unplug included: the port fails as a pulled adapter does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import serial
from idcard_helpers import CARDS, fast_reader, same_card

from devices.idcard import errors
from devices.idcard.codec import Command, encode_command
from devices.idcard.sim_core import CARDS_DIR, Fault, SimulatedReader
from devices.idcard.urlhandler.protocol_simreader import FaultSpec, parse_url
from kiosk.cli import main as kiosk_admin


def test_parse_url_with_card_faults_and_timing() -> None:
    url = (
        "simreader://zhang_wei?fault=checksum@read_text_photo*always"
        "&fault=SLOW@select_card*2&delay=0.25&wire_timing=1&chip_time=0.02"
    )
    spec = parse_url(url)
    assert spec.card_name == "zhang_wei" and not spec.card_path and not spec.attach
    assert spec.faults == (
        FaultSpec(Fault.CHECKSUM, Command.READ_TEXT_PHOTO, None),
        FaultSpec(Fault.SLOW, Command.SELECT_CARD, 2),
    )
    assert spec.delay_s == 0.25 and spec.wire_timing and spec.chip_time_s == 0.02
    assert parse_url("simreader://").card_name == ""
    assert parse_url("simreader://?fault=sam_failure").faults == (FaultSpec(Fault.SAM_FAILURE),)
    assert parse_url("simreader://?attach=7").attach == "7"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("loop://", "expected a simreader:// URL"),
        ("simreader://zhang_wei/x", "has no path"),
        ("simreader://a b", "not a demo card name"),
        ("simreader://?colour=red", "unknown option 'colour'"),
        ("simreader://?fault=smoke", "unknown fault 'smoke'"),
        ("simreader://?fault=checksum@eject", "unknown command 'eject'"),
        ("simreader://?fault=checksum*0", "not a positive number"),
        ("simreader://?delay=soon", "not a number of seconds"),
        ("simreader://?chip_time=-1", "out of range"),
        ("simreader://?wire_timing=yes", "use 1 or 0"),
        ("simreader://?delay=1&delay=2", "given twice"),
        ("simreader://zhang_wei?card=x.json", "not both"),
        ("simreader://?attach=1&fault=silent", "attach=KEY takes"),
    ],
)
def test_bad_url_says_what_is_wrong(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_url(url)


def test_driver_cannot_open_an_unknown_card_or_simulator() -> None:
    with pytest.raises(errors.ReaderUnavailable, match="no demo card 'nobody'.*zhang_wei"):
        fast_reader("simreader://nobody").open()
    with pytest.raises(errors.ReaderUnavailable, match="no simulated reader '999999'"):
        fast_reader("simreader://?attach=999999").open()
    with pytest.raises(errors.ReaderUnavailable, match="unknown fault"):
        fast_reader("simreader://?fault=smoke").open()


def test_driver_reads_a_demo_card_named_in_the_url() -> None:
    with fast_reader("simreader://wang_jianguo") as reader:
        card = reader.read_card()
        port = reader._ser
        assert isinstance(port, serial.SerialBase)
        sim = port.simulator  # type: ignore[attr-defined]
    assert same_card(card, CARDS["wang_jianguo"])
    assert sim.commands[Command.READ_APPENDED_ADDRESS] == 1


def test_faults_in_the_url_reach_the_driver() -> None:
    with fast_reader("simreader://zhang_wei?fault=checksum@read_text_photo") as reader:
        assert same_card(reader.read_card(), CARDS["zhang_wei"])  # one bad frame: retried
    url = "simreader://zhang_wei?fault=checksum@read_text_photo*always"
    with fast_reader(url) as reader, pytest.raises(errors.BadFrameChecksum):
        reader.read_card()
    with fast_reader("simreader://zhang_wei?fault=unknown_card_type*always") as reader:
        with pytest.raises(errors.UnknownCardType):
            reader.read_card()
    with fast_reader("simreader://?fault=sam_failure") as reader:
        with pytest.raises(errors.SamSelfTestFailed):
            reader.read_sam_status()
        reader.read_sam_status()  # the fault was for one command only


def test_card_file_in_the_url(tmp_path: Path) -> None:
    data = json.loads((CARDS_DIR / "li_xiuying.json").read_text(encoding="utf-8"))
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with fast_reader(f"simreader://?card={card_file}") as reader:
        assert same_card(reader.read_card(), CARDS["li_xiuying"])
    with fast_reader("simreader://") as reader, pytest.raises(errors.NoCard):
        reader.read_card()


def test_unplugged_in_process_reader_is_refused_until_plugged_in() -> None:
    sim = SimulatedReader(CARDS["zhao_shulan"])
    sim.inject(Fault.DISCONNECT, on=Command.READ_TEXT_PHOTO)
    reader = fast_reader(sim.url())
    with pytest.raises(errors.ReaderUnavailable, match="went away"):
        reader.read_card()
    assert not reader.is_open and not sim.plugged_in
    with pytest.raises(errors.ReaderUnavailable, match="unplugged"):
        reader.read_card()
    sim.plug_in()
    assert same_card(reader.read_card(), CARDS["zhao_shulan"])
    reader.close()


def test_port_behaves_like_a_pyserial_port() -> None:
    sim = SimulatedReader(CARDS["zhang_wei"])
    port = serial.serial_for_url(sim.url(), baudrate=115200, timeout=0)
    assert port.read(10) == b""  # nothing is said unasked
    port.write(encode_command(Command.FIND_CARD))
    assert port.in_waiting == 15
    assert port.read(4) == bytes.fromhex("aaaaaa96")  # a partial read keeps the rest
    assert port.in_waiting == 11
    port.reset_input_buffer()
    assert port.in_waiting == 0 and sim.commands[Command.FIND_CARD] == 1
    port.close()
    with pytest.raises(serial.PortNotOpenError):
        port.read(1)
    with pytest.raises(ValueError, match="invalid baudrate"):
        serial.serial_for_url(sim.url(), baudrate=0)


def test_wire_timing_schedules_bytes_at_the_line_rate() -> None:
    sim = SimulatedReader(CARDS["zhang_wei"], wire_timing=True, chip_time_s=0.02, baud=115200)
    line = sim.connect()
    transmission = line.receive(encode_command(Command.FIND_CARD))
    byte_s = 10 / 115200
    (piece,) = transmission.pieces
    # chip time, then the 10-byte command, then the 15-byte reply, all on the wire.
    assert piece.after_s == pytest.approx(0.02 + 10 * byte_s + 15 * byte_s)
    assert transmission.duration_s == piece.after_s
    line.receive(encode_command(Command.SELECT_CARD))
    read = line.receive(encode_command(Command.READ_TEXT_PHOTO))
    assert len(read.pieces) > 1 and all(len(p.data) <= 64 for p in read.pieces)
    times = [p.after_s for p in read.pieces]
    assert times == sorted(times)
    assert times[-1] == pytest.approx(0.02 + 10 * byte_s + 1295 * byte_s)


def test_kiosk_admin_reads_through_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk_admin(["idcard", "read", "--port", "simreader://zhang_wei", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["id_number"] == CARDS["zhang_wei"].id_number

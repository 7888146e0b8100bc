"""The simulated reader itself, apart from any transport: card, SAM, faults and the bytes it sends.

`SimulatedReader` holds what lies on the reader and which faults are armed. A connection to it
(`connect()`) is a `SimulatedLine`: bytes the host writes go in, and out comes a `Transmission`,
the reply bytes as timed pieces (wire timing, chip time, slow or split replies) and whether the
device vanishes after them. Two transports play a transmission out: the pty server of
`devices.idcard.simulator` and the in-process pyserial URL `simreader://` of
`devices.idcard.urlhandler`. Neither decides what to answer; this module alone does.
"""

from __future__ import annotations

import collections
import enum
import itertools
import json
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from devices.idcard.card import CardData, build_text_block, encode_appended_address
from devices.idcard.codec import (
    SW3_FIND_OK,
    SW3_SUCCESS,
    Command,
    CommandFrame,
    FrameDecoder,
    decode_command,
    encode_read_reply,
    encode_reply,
)
from devices.idcard.errors import ProtocolError, UnreadableCard

CARDS_DIR = Path(__file__).resolve().parents[2] / "assets" / "cards"
DEFAULT_SAM_ID = bytes.fromhex("0500 0100 92b73201 4e61bc00 b168de3a")  # 05.01-20101010-...
_SPLIT_PIECE = 3  # bytes per write of a SPLIT reply
_SPLIT_GAP_S = 0.0005
_WIRE_PIECE = 64  # with wire timing, a reply leaves in pieces as a UART FIFO drains


class Fault(enum.Enum):
    CHECKSUM = "checksum"  # the reply's checksum is wrong
    STRAY_BYTES = "stray_bytes"  # garbage before the reply, and a byte inside its preamble
    SPLIT = "split"  # the reply is written in many small pieces
    DISCONNECT = "disconnect"  # half the reply, then the device vanishes (USB unplug)
    SAM_FAILURE = "sam_failure"  # SAM status / id answer "self-test failed"
    UNKNOWN_CARD_TYPE = "unknown_card_type"  # read answers SW3 40
    READ_FAILED = "read_failed"  # read answers SW3 41
    SELECT_FAILED = "select_failed"  # select answers SW3 81
    SLOW = "slow"  # the reply comes `delay_s` late
    SILENT = "silent"  # no reply at all


_READS = frozenset({Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT})
_DEFAULT_TARGETS: dict[Fault, frozenset[Command]] = {
    Fault.SAM_FAILURE: frozenset({Command.SAM_STATUS, Command.SAM_ID, Command.RESET_SAM}),
    Fault.UNKNOWN_CARD_TYPE: _READS,
    Fault.READ_FAILED: _READS,
    Fault.SELECT_FAILED: frozenset({Command.SELECT_CARD}),
}
_STATUS_FAULTS = {
    Fault.SAM_FAILURE: 0x60,
    Fault.UNKNOWN_CARD_TYPE: 0x40,
    Fault.READ_FAILED: 0x41,
    Fault.SELECT_FAILED: 0x81,
}


@dataclass
class _Injected:
    fault: Fault
    targets: frozenset[Command] | None  # None: any command
    remaining: int | None  # None: until clear_faults()
    delay_s: float


@dataclass(frozen=True)
class Piece:
    """Bytes that are on the line `after_s` seconds after the request was received."""

    after_s: float
    data: bytes


@dataclass(frozen=True)
class Transmission:
    """What the device sends in answer to some received bytes."""

    pieces: tuple[Piece, ...] = ()
    duration_s: float = 0.0  # until the device is ready for the next command
    hang_up: bool = False  # the device vanishes after the last piece


def load_card(path: str | Path) -> CardData:
    """A card from a JSON file; UnreadableCard names the file when it is not a valid card."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableCard(f"{path}: cannot read card file ({exc})") from None
    if not isinstance(data, dict):
        raise UnreadableCard(f"{path}: a card file holds one JSON object")
    try:
        return CardData.from_json(data)
    except UnreadableCard as exc:
        raise UnreadableCard(f"{path}: {exc}") from None


def demo_cards() -> dict[str, CardData]:
    """The shipped demo cards by file stem."""
    return {p.stem: load_card(p) for p in sorted(CARDS_DIR.glob("*.json"))}


# Simulators reachable as simreader://?attach=KEY; weak, so a finished test frees its simulator.
_attachable: weakref.WeakValueDictionary[str, SimulatedReader] = weakref.WeakValueDictionary()
_keys = itertools.count(1)


def attached(key: str) -> SimulatedReader | None:
    """The simulator registered under `key` by `SimulatedReader.url()`, if it still exists."""
    return _attachable.get(key)


class SimulatedReader:
    """A reader with a SAM and an RF field. Control methods are thread-safe."""

    def __init__(
        self,
        card: CardData | None = None,
        *,
        wire_timing: bool = False,
        chip_time_s: float = 0.0,
        baud: int = 115200,
        sam_id: bytes = DEFAULT_SAM_ID,
        serial_number: bytes = bytes(8),
    ) -> None:
        self.wire_timing = wire_timing
        self.chip_time_s = chip_time_s
        self.byte_time_s = 10 / baud  # 8N1: start + 8 data + stop bits
        self.sam_id = sam_id
        self.serial_number = serial_number
        self.commands: collections.Counter[Command] = collections.Counter()
        self.bytes_in = 0
        self.bytes_out = 0
        self.plugged_in = True  # False after a DISCONNECT fault, until plug_in()
        self._lock = threading.Lock()
        self._card = card
        self._found = False
        self._selected = False
        self._faults: list[_Injected] = []
        self._key = ""

    # --- control -------------------------------------------------------------------------

    @property
    def card(self) -> CardData | None:
        with self._lock:
            return self._card

    def place_card(self, card: CardData) -> None:
        with self._lock:
            self._card, self._found, self._selected = card, False, False

    def remove_card(self) -> None:
        with self._lock:
            self._card, self._found, self._selected = None, False, False

    def inject(
        self,
        fault: Fault,
        *,
        on: Command | frozenset[Command] | None = None,
        times: int | None = 1,
        delay_s: float = 1.5,
    ) -> None:
        """Apply `fault` to the next `times` commands that match `on` (None: until cleared)."""
        targets = frozenset({on}) if isinstance(on, Command) else on
        if targets is None:
            targets = _DEFAULT_TARGETS.get(fault)
        with self._lock:
            self._faults.append(_Injected(fault, targets, times, delay_s))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def plug_in(self) -> None:
        """The device is back after a DISCONNECT fault (new connections may open)."""
        self.plugged_in = True

    def url(self) -> str:
        """A pyserial URL that opens an in-process connection to this very simulator."""
        if not self._key:
            self._key = str(next(_keys))
            _attachable[self._key] = self
        return f"simreader://?attach={self._key}"

    def connect(self) -> SimulatedLine:
        """The device's end of a new connection (each has its own frame decoder)."""
        return SimulatedLine(self)

    # --- answering -----------------------------------------------------------------------

    def _answer(self, frame: CommandFrame) -> tuple[bytes, _Injected | None]:
        command = frame.command
        with self._lock:
            if command is not None:
                self.commands[command] += 1
            fault = self._take_fault(command)
            if fault is not None and fault.fault in _STATUS_FAULTS:
                return encode_reply(_STATUS_FAULTS[fault.fault]), None
            return self._reply_for(command), fault

    def _take_fault(self, command: Command | None) -> _Injected | None:
        for injected in self._faults:
            if injected.targets is None or command in injected.targets:
                if injected.remaining is not None:
                    injected.remaining -= 1
                    if injected.remaining <= 0:
                        self._faults.remove(injected)
                return injected
        return None

    def _reply_for(self, command: Command | None) -> bytes:
        card = self._card
        if command in (Command.RESET_SAM, Command.SAM_STATUS):
            return encode_reply(SW3_SUCCESS)
        if command is Command.SAM_ID:
            return encode_reply(SW3_SUCCESS, self.sam_id)
        if command in (Command.SET_BAUD, Command.SET_MAX_RF_FRAME):
            return encode_reply(SW3_SUCCESS)
        if command is Command.FIND_CARD:
            if card is None:
                return encode_reply(0x80)
            self._found = True
            return encode_reply(SW3_FIND_OK, bytes(4))
        if command is Command.SELECT_CARD:
            if card is None or not self._found:
                return encode_reply(0x81)
            self._selected = True
            return encode_reply(SW3_SUCCESS, self.serial_number)
        if command in _READS:
            if card is None or not self._selected:
                return encode_reply(0x41)
            photo = card.photo_wlt or _placeholder_photo()
            if command is Command.READ_TEXT_PHOTO:
                return encode_read_reply(build_text_block(card), photo)
            return encode_read_reply(build_text_block(card), photo, card.fingerprint)
        if command is Command.READ_APPENDED_ADDRESS:
            if card is None or not self._selected:
                return encode_reply(0x41)
            if not card.appended_address:
                return encode_reply(0x91)
            return encode_reply(SW3_SUCCESS, encode_appended_address(card.appended_address))
        return encode_reply(0x21)  # command error

    def _shape(
        self, start_s: float, request_len: int, reply: bytes, fault: _Injected | None
    ) -> tuple[list[Piece], float, bool]:
        """Timed pieces of one reply as a fault shapes it, its end time, and whether it hangs up."""
        kind = fault.fault if fault is not None else None
        at = start_s + self.chip_time_s
        if self.wire_timing:
            at += request_len * self.byte_time_s  # the command's own time on the wire
        if fault is not None and kind is Fault.SLOW:
            at += fault.delay_s
        if kind is Fault.SILENT:
            return [], at, False
        if kind is Fault.CHECKSUM:
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        elif kind is Fault.STRAY_BYTES:
            reply = b"\x00\x13\xaa\x00" + reply[1:]  # noise, then AA 00 AA AA 96 69 ...
        elif kind is Fault.DISCONNECT:
            half = reply[: len(reply) // 2]
            self.bytes_out += len(half)
            return [Piece(at, half)], at, True
        size = _SPLIT_PIECE if kind is Fault.SPLIT else _WIRE_PIECE if self.wire_timing else 0
        chunks = [reply[i : i + size] for i in range(0, len(reply), size)] if size else [reply]
        pieces: list[Piece] = []
        sent = 0
        for index, chunk in enumerate(chunks):
            sent += len(chunk)
            if self.wire_timing:
                # A piece is on the line when its last byte would have left the wire.
                pieces.append(Piece(at + sent * self.byte_time_s, chunk))
            else:
                pieces.append(Piece(at + index * _SPLIT_GAP_S, chunk))
        self.bytes_out += len(reply)
        return pieces, pieces[-1].after_s, False


class SimulatedLine:
    """One connection to a `SimulatedReader`: decodes the host's bytes and answers them."""

    def __init__(self, reader: SimulatedReader) -> None:
        self.reader = reader
        self._decoder = FrameDecoder()

    def receive(self, data: bytes) -> Transmission:
        """Answer every complete command in `data` (and what came before it), in order."""
        reader = self.reader
        reader.bytes_in += len(data)
        self._decoder.feed(data)
        pieces: list[Piece] = []
        at = 0.0
        while True:
            try:
                frame = self._decoder.next_frame()
            except ProtocolError:
                new, at, _ = reader._shape(at, len(data), encode_reply(0x10), None)
                pieces += new
                continue
            if frame is None:
                break
            try:
                command = decode_command(frame)
            except ProtocolError:
                new, at, _ = reader._shape(at, len(data), encode_reply(0x11), None)
                pieces += new
                continue
            reply, fault = reader._answer(command)
            new, at, hang_up = reader._shape(at, len(frame.payload) + 8, reply, fault)
            pieces += new
            if hang_up:
                reader.plugged_in = False
                return Transmission(tuple(pieces), at, hang_up=True)
        return Transmission(tuple(pieces), at)


def _placeholder_photo() -> bytes:
    """1024 bytes standing in for a WLT photo (no real face data in the demo)."""
    return (b"WLT-DEMO" * 128)[:1024]

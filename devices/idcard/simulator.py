"""A simulated ID-card reader that speaks the real protocol bytes over a pseudo-terminal.

The real driver opens the pty path as if it were /dev/ttyUSB0, so the demo and every test
exercise the same code a terminal runs. Cards come from JSON files (the keys of
`CardData.to_json(extra=True)`); faults are injected per command.

    sim = ReaderSimulator(load_card("assets/cards/zhang_wei.json"))
    path = sim.start_pty()            # e.g. /dev/pts/5
    ...                               # IdCardReader(path).read_card()
    sim.stop()
"""

from __future__ import annotations

import collections
import enum
import json
import os
import pty
import select
import threading
import time
import tty
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


class ReaderSimulator:
    """A reader with a SAM and an RF field, served on a pty. Thread-safe control methods."""

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
        self._lock = threading.Lock()
        self._card = card
        self._found = False
        self._selected = False
        self._faults: list[_Injected] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._slave = -1
        self._wake_r, self._wake_w = -1, -1
        self._link: Path | None = None
        self.path = ""

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

    # --- serving -------------------------------------------------------------------------

    def start_pty(self, link: str | Path | None = None) -> str:
        """Serve on a new pseudo-terminal; returns its path (or `link`, a symlink to it).

        Calling it again after a DISCONNECT fault (or `hang_up()`) plugs the reader back in;
        with the same `link`, the driver finds it at the same path, as udev names do.
        """
        if self._thread is not None:
            if not self._stop.is_set():
                raise RuntimeError("simulator already serving")
            self._thread.join(timeout=5)  # the thread of a DISCONNECT fault, ending
            self._thread = None
        self._master, self._slave = pty.openpty()
        # Raw mode: no echo, no CR/LF translation, no XON/XOFF on bytes 0x11/0x13.
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.path = os.ttyname(self._slave)
        if link is not None:
            self._link = Path(link)
            tmp = self._link.with_name(self._link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.path)
            os.replace(tmp, self._link)
            self.path = str(self._link)
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        """Stop serving and release the pty (the driver sees the device vanish)."""
        self._stop.set()
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._close_fds()

    hang_up = stop

    def __enter__(self) -> ReaderSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _close_fds(self) -> None:
        for name in ("_master", "_slave", "_wake_r", "_wake_w"):
            fd = getattr(self, name)
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, name, -1)
        if self._link is not None:
            self._link.unlink(missing_ok=True)
            self._link = None

    def _serve(self) -> None:
        decoder = FrameDecoder()
        master = self._master
        while not self._stop.is_set():
            ready, _, _ = select.select([master, self._wake_r], [], [])
            if self._wake_r in ready or self._stop.is_set():
                return
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            self.bytes_in += len(data)
            decoder.feed(data)
            while not self._stop.is_set():
                try:
                    frame = decoder.next_frame()
                except ProtocolError:
                    self._send(len(data), encode_reply(0x10), None)
                    continue
                if frame is None:
                    break
                try:
                    command = decode_command(frame)
                except ProtocolError:
                    self._send(len(data), encode_reply(0x11), None)
                    continue
                request_len = len(frame.payload) + 8
                reply, fault = self._answer(command)
                if not self._send(request_len, reply, fault):
                    return

    def _answer(self, frame: CommandFrame) -> tuple[bytes, _Injected | None]:
        command = frame.command
        with self._lock:
            if command is not None:
                self.commands[command] += 1
            fault = self._take_fault(command)
            if fault is not None and fault.fault in _STATUS_FAULTS:
                return encode_reply(_STATUS_FAULTS[fault.fault]), None
            return self._reply_for(command, frame), fault

    def _take_fault(self, command: Command | None) -> _Injected | None:
        for injected in self._faults:
            if injected.targets is None or command in injected.targets:
                if injected.remaining is not None:
                    injected.remaining -= 1
                    if injected.remaining <= 0:
                        self._faults.remove(injected)
                return injected
        return None

    def _reply_for(self, command: Command | None, frame: CommandFrame) -> bytes:
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

    def _send(self, request_len: int, reply: bytes, fault: _Injected | None) -> bool:
        """Write one reply, shaped by a fault; False once the device has gone away."""
        kind = fault.fault if fault is not None else None
        delay = self.chip_time_s
        if self.wire_timing:
            delay += request_len * self.byte_time_s  # the command's own time on the wire
        if kind is Fault.SLOW:
            delay += fault.delay_s  # type: ignore[union-attr]
        if delay and self._stop.wait(delay):
            return False
        if kind is Fault.SILENT:
            return True
        if kind is Fault.CHECKSUM:
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        elif kind is Fault.STRAY_BYTES:
            reply = b"\x00\x13\xaa\x00" + reply[1:]  # noise, then AA 00 AA AA 96 69 ...
        elif kind is Fault.DISCONNECT:
            self._write(reply[: len(reply) // 2], split=False)
            self._stop.set()
            self._close_fds()
            return False
        return self._write(reply, split=kind is Fault.SPLIT)

    def _write(self, data: bytes, *, split: bool) -> bool:
        pieces: list[bytes]
        if split:
            pieces = [data[i : i + 3] for i in range(0, len(data), 3)]
        elif self.wire_timing:
            pieces = [data[i : i + 64] for i in range(0, len(data), 64)]
        else:
            pieces = [data]
        start = time.monotonic()
        sent = 0
        for piece in pieces:
            sent += len(piece)
            if self.wire_timing:
                # A piece is written when its last byte would have left the wire.
                wait = start + sent * self.byte_time_s - time.monotonic()
                if wait > 0 and self._stop.wait(wait):
                    return False
            elif split and sent > len(piece):
                time.sleep(0.0005)
            try:
                os.write(self._master, piece)
            except OSError:
                return False
            self.bytes_out += len(piece)
        return True


def _placeholder_photo() -> bytes:
    """1024 bytes standing in for a WLT photo (no real face data in the demo)."""
    return (b"WLT-DEMO" * 128)[:1024]

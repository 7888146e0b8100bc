"""Frames of the resident ID-card reader's SAM serial protocol: encoding and streaming decoding.

Pure: no I/O, no threads. Both directions share one frame shape::

    AA AA AA 96 69 | LEN_H LEN_L | payload... | CHK

LEN counts every byte after itself (checksum included); CHK is the XOR of LEN_H through the
last payload byte. A command's payload is ``CMD PARA DATA...``, a reply's ``SW1 SW2 SW3 DATA...``.

>>> encode_command(Command.FIND_CARD).hex(" ")
'aa aa aa 96 69 00 03 20 01 22'
>>> dec = FrameDecoder()
>>> dec.feed(bytes.fromhex("AA00AAAA9669000400008084"))
>>> decode_reply(dec.next_frame()).sw3 == 0x80
True
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import xor

from devices.idcard.errors import (
    BadFrameChecksum,
    BadFrameLength,
    FrameTooLarge,
    MalformedReply,
    ProtocolError,
    ReaderStatusError,
    status_error,
)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
# Replies have been seen with a byte dropped into the preamble (AA 00 AA AA 96 69), so the
# decoder synchronises on the preamble's last four bytes, which such a reply still carries.
SYNC = PREAMBLE[1:]
HEADER_LEN = len(PREAMBLE) + 2
# Largest frame seen is 2321 bytes (read with fingerprints); anything far beyond is a
# corrupted LEN, and waiting for it would stall the line.
DEFAULT_MAX_FRAME = 4096

SW3_SUCCESS = 0x90
SW3_FIND_OK = 0x9F
TEXT_LEN = 256
PHOTO_LEN = 1024
SAM_ID_LEN = 16
SERIAL_LEN = 8
APPENDED_ADDRESS_LEN = 70
FINGERPRINT_LEN = 1024


class Command(enum.Enum):
    """(CMD, PARA) of every command of the reference."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_APPENDED_ADDRESS = (0x30, 0x03)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
    SET_BAUD = (0x60, 0x00)  # PARA is the baud code, see BAUD_CODES
    SET_MAX_RF_FRAME = (0x61, 0xFF)  # followed by one data byte

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]


BAUD_CODES: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


def checksum(body: bytes) -> int:
    """XOR of LEN_H through the last payload byte."""
    return reduce(xor, body, 0)


def encode_frame(payload: bytes) -> bytes:
    """Wrap a payload (command or reply) in preamble, length and checksum."""
    length = len(payload) + 1
    if length > 0xFFFF:
        raise ValueError(f"payload of {len(payload)} bytes does not fit a frame")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_command(command: Command, data: bytes = b"", *, para: int | None = None) -> bytes:
    """The bytes the host sends for a command."""
    return encode_frame(bytes([command.cmd, command.para if para is None else para]) + data)


def encode_set_baud(baud: int) -> bytes:
    if baud not in BAUD_CODES:
        raise ValueError(f"unsupported baud rate {baud}; one of {sorted(BAUD_CODES)}")
    return encode_command(Command.SET_BAUD, para=BAUD_CODES[baud])


def encode_set_max_rf_frame(size: int) -> bytes:
    if not 0 <= size <= 0xFF:
        raise ValueError("the RF frame size is one byte")
    return encode_command(Command.SET_MAX_RF_FRAME, bytes([size]))


def encode_reply(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """The bytes a reader sends back (used by the simulator)."""
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


def encode_read_reply(
    text: bytes, photo: bytes, fingerprint: bytes | None = None, *, sw3: int = SW3_SUCCESS
) -> bytes:
    """A read reply; with `fingerprint` (possibly empty) it is the 30 10 shape."""
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is None:
        return encode_reply(sw3, head + text + photo)
    return encode_reply(
        sw3, head + len(fingerprint).to_bytes(2, "big") + text + photo + fingerprint
    )


# --- decoding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One checksum-valid frame: the bytes between LEN and CHK."""

    payload: bytes


class FrameDecoder:
    """Turns a byte stream, in any chunking, into frames.

    `feed()` buffers; `next_frame()` returns the next complete frame or None when more bytes are
    needed. A damaged frame raises a `ProtocolError` *after* it has been dropped, so calling
    `next_frame()` again carries on with the bytes that follow. Garbage between frames is
    skipped silently. The buffer never holds more than one maximal frame plus the last chunk.
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        if max_frame < HEADER_LEN + 4:
            raise ValueError("max_frame is too small to hold any frame")
        self.max_frame = max_frame
        self._buf = bytearray()
        self.discarded = 0  # bytes skipped as garbage or dropped with damaged frames

    def reset(self) -> None:
        self._buf.clear()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_frame(self) -> Frame | None:
        buf = self._buf
        while True:
            at = buf.find(SYNC)
            if at < 0:
                # Keep a tail that may be the start of a sync split across chunks.
                keep = len(SYNC) - 1
                if len(buf) > keep:
                    self._drop(len(buf) - keep)
                return None
            start = at + len(SYNC)  # first LEN byte
            if at:
                self._drop(at)
                start -= at
            if len(buf) < start + 2:
                return None
            length = int.from_bytes(buf[start : start + 2], "big")
            total = HEADER_LEN + length
            if length < 3:
                self._drop(1)
                raise BadFrameLength(f"frame LEN {length} is shorter than any frame")
            if total > self.max_frame:
                self._drop(1)
                raise FrameTooLarge(f"frame LEN {length} exceeds the bound of {self.max_frame}")
            end = start + length + 2  # LEN bytes + payload + CHK
            if len(buf) < end:
                return None
            body = bytes(buf[start : end - 1])
            got, want = buf[end - 1], checksum(body)
            if got != want:
                # Drop only the sync's first byte: a false sync inside noise may have swallowed
                # a real frame that starts within the bytes it claimed.
                self._drop(1)
                raise BadFrameChecksum(
                    f"frame checksum 0x{got:02X}, computed 0x{want:02X} over {length} bytes"
                )
            del buf[:end]
            return Frame(body[2:])

    def frames(self) -> Iterator[Frame]:
        """Every complete frame now buffered (raises on a damaged one, like next_frame)."""
        while (frame := self.next_frame()) is not None:
            yield frame

    def _drop(self, n: int) -> None:
        del self._buf[:n]
        self.discarded += n


def decode_frames(data: bytes, max_frame: int = DEFAULT_MAX_FRAME) -> list[Frame | ProtocolError]:
    """Every frame and every framing error in `data`, in order (for tests and tools)."""
    decoder = FrameDecoder(max_frame)
    decoder.feed(data)
    out: list[Frame | ProtocolError] = []
    while True:
        try:
            frame = decoder.next_frame()
        except ProtocolError as exc:
            out.append(exc)
            continue
        if frame is None:
            return out
        out.append(frame)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw3 in (SW3_SUCCESS, SW3_FIND_OK)

    def error(self) -> ReaderStatusError:
        return status_error(self.sw3)

    def raise_for_status(self) -> Reply:
        if not self.ok:
            raise self.error()
        return self


@dataclass(frozen=True)
class CommandFrame:
    cmd: int
    para: int
    data: bytes

    @property
    def command(self) -> Command | None:
        """The known command this frame carries, or None."""
        if self.cmd == Command.SET_BAUD.cmd:
            return Command.SET_BAUD
        for command in Command:
            if command.value == (self.cmd, self.para):
                return command
        return None


def decode_reply(frame: Frame | None) -> Reply:
    if frame is None or len(frame.payload) < 3:
        raise MalformedReply("a reply needs SW1 SW2 SW3")
    p = frame.payload
    return Reply(p[0], p[1], p[2], p[3:])


def decode_command(frame: Frame | None) -> CommandFrame:
    if frame is None or len(frame.payload) < 2:
        raise MalformedReply("a command needs CMD PARA")
    p = frame.payload
    return CommandFrame(p[0], p[1], p[2:])


def parse_sam_id(reply: Reply) -> str:
    """The SAM id in the dotted form readers print on their label (e.g. 05.01-20101010-...).

    Layout as public drivers decode it (unconfirmed by the standard): two 16-bit and three
    32-bit little-endian numbers. Anything else comes back as hex rather than failing.
    """
    data = reply.raise_for_status().data
    if len(data) != SAM_ID_LEN:
        return data.hex().upper()
    a = int.from_bytes(data[0:2], "little")
    b = int.from_bytes(data[2:4], "little")
    c, d, e = (int.from_bytes(data[i : i + 4], "little") for i in (4, 8, 12))
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


def parse_select(reply: Reply) -> bytes:
    """The card's 8-byte serial (all zeros on many readers)."""
    data = reply.raise_for_status().data
    if len(data) != SERIAL_LEN:
        raise MalformedReply(f"select reply carries {len(data)} bytes, expected {SERIAL_LEN}")
    return data


@dataclass(frozen=True)
class ReadData:
    text: bytes
    photo: bytes
    fingerprint: bytes = b""

    def __repr__(self) -> str:  # the text block is personal data
        return (
            f"ReadData(text=<{len(self.text)} bytes>, photo=<{len(self.photo)} bytes>, "
            f"fingerprint=<{len(self.fingerprint)} bytes>)"
        )


def parse_read(reply: Reply, *, with_fingerprint: bool = False) -> ReadData:
    """Split a 30 01 (or, with `with_fingerprint`, a 30 10) reply into text, photo, fingerprint."""
    data = reply.raise_for_status().data
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise MalformedReply("read reply is too short for its length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if head + text_len + photo_len + fp_len != len(data):
        raise MalformedReply(
            f"read reply lengths {text_len}+{photo_len}+{fp_len} do not add up to "
            f"{len(data) - head} data bytes"
        )
    if text_len != TEXT_LEN:
        raise MalformedReply(f"text block of {text_len} bytes, expected {TEXT_LEN}")
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len :]
    return ReadData(text, photo, fingerprint)


def parse_appended_address(reply: Reply) -> str | None:
    """The appended (new) address, or None when the card has none (SW3 91)."""
    if reply.sw3 == 0x91:
        return None
    data = reply.raise_for_status().data
    if len(data) % 2:
        raise MalformedReply("appended address is not UCS-2")
    text = data.decode("utf-16-le", errors="replace").replace("\x00", "").strip()
    return text or None

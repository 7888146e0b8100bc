"""The synchronous protocol session with a resident ID-card reader over one serial port.

`ReaderSession` owns the port and the command/reply exchange: framing, per-command timeouts and
retries, the reader's status codes as typed errors, and the find -> select -> read cycle.
It has no thread and sends no events; `devices.idcard.reader.IdCardReader` builds the polling
worker on top of it. Tools use it directly::

    with ReaderSession("/dev/ttyUSB0") as session:     # or a simreader:// URL
        card = session.read_card(timeout_s=5)

Every method that talks to the reader holds one lock, so a tool thread and the worker never
interleave frames; `cancel()` interrupts the exchange in progress from any thread.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import serial

from devices.idcard.card import CardData, mask_id_number, parse_text_block
from devices.idcard.codec import (
    Command,
    FrameDecoder,
    Reply,
    decode_reply,
    encode_command,
    parse_appended_address,
    parse_read,
    parse_sam_id,
    parse_select,
)
from devices.idcard.errors import (
    IdCardError,
    NoCard,
    ProtocolError,
    ReadCancelled,
    ReaderStatusError,
    ReaderTimeout,
    ReaderUnavailable,
    UnreadableCard,
)

log = logging.getLogger(__name__)

_RESEND = (0x10, 0x11)  # the reader says our command arrived damaged: send it again


class SerialPort(Protocol):
    """The part of pyserial's Serial the driver uses (lets tests inject a transport)."""

    timeout: float | None

    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    @property
    def in_waiting(self) -> int: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


SerialFactory = Callable[[str, int], SerialPort]


def open_serial(port: str, baud: int) -> SerialPort:
    """A device path or any pyserial URL (simreader:// among them), opened for the driver."""
    kwargs: dict[str, Any] = {"baudrate": baud, "timeout": 0.1}
    if "://" not in port:
        kwargs["exclusive"] = True  # a second process on the same reader garbles both
    port_obj: SerialPort = serial.serial_for_url(port, **kwargs)
    return port_obj


class ReaderSession:
    """The port and the commands of one reader; synchronous, safe to call from any thread."""

    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        poll_interval_s: float = 0.3,
        find_timeout_s: float = 1.0,
        select_timeout_s: float = 1.0,
        read_timeout_s: float = 3.0,
        retries: int = 2,
        read_attempts: int = 2,
        read_appended_address: bool = True,
        fingerprints: bool = False,
        serial_factory: SerialFactory = open_serial,
    ) -> None:
        self.port = port
        self.baud = baud
        self.poll_interval_s = poll_interval_s
        self.find_timeout_s = find_timeout_s
        self.select_timeout_s = select_timeout_s
        self.read_timeout_s = read_timeout_s
        self.retries = retries
        self.read_attempts = read_attempts
        self.read_appended_address = read_appended_address
        self.fingerprints = fingerprints
        self._serial_factory = serial_factory
        self._ser: SerialPort | None = None
        self._decoder = FrameDecoder()
        self._io_lock = threading.RLock()
        self._cancel = threading.Event()  # cancel(): the current exchange ends
        self._stop = threading.Event()  # the owner shuts down: every exchange ends
        self.sam_id = ""

    # --- port ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._ser is not None

    def open(self) -> None:
        """Open the port (idempotent). Raises ReaderUnavailable when it is missing."""
        with self._io_lock:
            if self._ser is not None:
                return
            try:
                self._ser = self._serial_factory(self.port, self.baud)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ReaderUnavailable(f"cannot open {self.port}: {exc}") from None
            self._decoder.reset()

    def close(self) -> None:
        with self._io_lock:
            ser, self._ser = self._ser, None
            if ser is not None:
                try:
                    ser.close()
                except (serial.SerialException, OSError):
                    pass  # a vanished device cannot be closed cleanly; it is gone either way

    def __enter__(self) -> ReaderSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- commands ------------------------------------------------------------------------

    def transact(self, command: Command, timeout_s: float, data: bytes = b"") -> Reply:
        """Send one command and return its reply, with retries for damaged or lost frames.

        Status codes are not raised here (callers decide what 80 or 91 mean), except that the
        reader's own "your command was damaged" codes are retried like a damaged reply.
        """
        frame = encode_command(command, data)
        last: IdCardError = ReaderTimeout(f"no reply to {command.name}")
        with self._io_lock:
            for _attempt in range(self.retries + 1):
                ser = self._require_open()
                self._check_cancel()
                try:
                    ser.reset_input_buffer()  # a late reply to an earlier command is stale
                    self._decoder.reset()
                    ser.write(frame)
                    reply = self._await_reply(ser, time.monotonic() + timeout_s)
                except (serial.SerialException, OSError, termios.error) as exc:
                    # termios.error is not an OSError: it is what tcflush raises on a
                    # pseudo-terminal or USB adapter whose other end has gone.
                    self.close()
                    raise ReaderUnavailable(f"{self.port} went away: {exc}") from None
                except (ProtocolError, ReaderTimeout) as exc:
                    last = exc
                    log.debug("%s: %s, retrying", command.name, exc)
                    continue
                if reply.sw3 in _RESEND:
                    last = reply.error()
                    continue
                return reply
        raise last

    def _await_reply(self, ser: SerialPort, deadline: float) -> Reply:
        while True:
            self._check_cancel()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReaderTimeout("no complete reply in time")
            # Short slices keep cancel() prompt; a blocking read costs no CPU while waiting.
            ser.timeout = min(remaining, 0.1)
            chunk = ser.read(max(1, ser.in_waiting))
            if not chunk:
                continue
            self._decoder.feed(chunk)
            frame = self._decoder.next_frame()
            if frame is not None:
                return decode_reply(frame)

    def _require_open(self) -> SerialPort:
        if self._ser is None:
            self.open()
        assert self._ser is not None
        return self._ser

    def _check_cancel(self) -> None:
        if self._cancel.is_set() or self._stop.is_set():
            raise ReadCancelled("cancelled")

    def cancel(self) -> None:
        """Interrupt the command in progress (it raises ReadCancelled within ~0.1 s)."""
        self._cancel.set()

    def reset_sam(self) -> None:
        self.transact(Command.RESET_SAM, self.find_timeout_s).raise_for_status()

    def read_sam_status(self) -> None:
        """Raise the reader's typed error unless its security module reports healthy."""
        self.transact(Command.SAM_STATUS, self.find_timeout_s).raise_for_status()

    def read_sam_id(self) -> str:
        self.sam_id = parse_sam_id(self.transact(Command.SAM_ID, self.find_timeout_s))
        return self.sam_id

    def find_card(self) -> bool:
        reply = self.transact(Command.FIND_CARD, self.find_timeout_s)
        if reply.sw3 == NoCard.sw3:
            return False
        reply.raise_for_status()
        return True

    def select_card(self) -> bytes:
        return parse_select(self.transact(Command.SELECT_CARD, self.select_timeout_s))

    def read_selected_card(self) -> CardData:
        """Read text, photo (and appended address) of a found and selected card."""
        command = (
            Command.READ_TEXT_PHOTO_FINGERPRINT if self.fingerprints else Command.READ_TEXT_PHOTO
        )
        reply = self.transact(command, self.read_timeout_s)
        data = parse_read(reply, with_fingerprint=self.fingerprints)
        appended = None
        if self.read_appended_address:
            appended = parse_appended_address(
                self.transact(Command.READ_APPENDED_ADDRESS, self.select_timeout_s)
            )
        card = parse_text_block(
            data.text, data.photo, appended_address=appended, fingerprint=data.fingerprint
        )
        log.info("read %s card %s", card.card_type.json_name, mask_id_number(card.id_number))
        return card

    def read_card(self, timeout_s: float = 0.0) -> CardData:
        """One find -> select -> read cycle, waiting up to `timeout_s` for a card to appear.

        Raises NoCard when none appears, the reader's typed error when reading fails, and
        ReadCancelled when cancel() is called meanwhile.
        """
        self._cancel.clear()
        deadline = time.monotonic() + timeout_s
        with self._io_lock:
            while not self.find_card():
                wait = min(self.poll_interval_s, deadline - time.monotonic())
                if wait <= 0:
                    raise NoCard()
                if self._cancel.wait(wait) or self._stop.is_set():
                    raise ReadCancelled("cancelled")
            return self._read_placed_card()

    def _read_placed_card(self) -> CardData:
        # A card still sliding into place can fail once; a second attempt settles most.
        for attempt in range(1, self.read_attempts + 1):
            try:
                self.select_card()
                return self.read_selected_card()
            except (ReaderStatusError, ProtocolError, UnreadableCard) as exc:
                if attempt == self.read_attempts:
                    raise
                log.info("card read failed (%s), trying again", type(exc).__name__)
                self.find_card()
        raise AssertionError("unreachable")

"""The serial driver of a resident ID-card reader: synchronous reads and a polling worker.

Synchronous use (tools, tests)::

    with IdCardReader("/dev/ttyUSB0") as reader:
        card = reader.read_card(timeout_s=5)

Worker use (the kiosk)::

    reader = IdCardReader(port)
    reader.subscribe(on_event)        # CardPresent, CardRead, CardRemoved, ReaderFault
    reader.status_publisher.subscribe(on_status)
    reader.start()                    # opens the port itself, and again after an unplug
    reader.disarm() / reader.arm()    # ignore cards outside the card step of a session
    reader.stop()

Events and status changes arrive on the worker thread; a Qt view re-emits them as signals.

Arming: while disarmed the worker keeps polling "find card" (so the attendant sees card
presence and the device's health) but never reads a card or sends card events. `arm()` forgets
the current placement, so a card already lying on the reader is read once, for the new step.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
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
from devices.status import (
    CardPresence,
    DeviceClass,
    DeviceState,
    DeviceStatus,
    ReaderBlock,
    StatusPublisher,
)

log = logging.getLogger(__name__)

_RESEND = (0x10, 0x11)  # the reader says our command arrived damaged: send it again


# --- events --------------------------------------------------------------------------------


class CardEvent:
    """Base of the events the worker sends to subscribers."""


@dataclass(frozen=True)
class CardPresent(CardEvent):
    """A card was placed (reading starts now)."""


@dataclass(frozen=True)
class CardRead(CardEvent):
    card: CardData


@dataclass(frozen=True)
class CardRemoved(CardEvent):
    """The card that was reported present is gone."""


@dataclass(frozen=True)
class ReaderFault(CardEvent):
    """Reading failed or the reader went away; `error` carries the citizen's message."""

    error: IdCardError


EventCallback = Callable[[CardEvent], None]


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


def _open_serial(port: str, baud: int) -> SerialPort:
    kwargs: dict[str, Any] = {"baudrate": baud, "timeout": 0.1}
    if "://" not in port:
        kwargs["exclusive"] = True  # a second process on the same reader garbles both
    port_obj: SerialPort = serial.serial_for_url(port, **kwargs)
    return port_obj


# --- the driver ----------------------------------------------------------------------------


class IdCardReader:
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
        removal_polls: int = 2,
        reopen_interval_s: float = 1.0,
        read_appended_address: bool = True,
        fingerprints: bool = False,
        armed: bool = True,
        serial_factory: SerialFactory = _open_serial,
    ) -> None:
        self.port = port
        self.baud = baud
        self.poll_interval_s = poll_interval_s
        self.find_timeout_s = find_timeout_s
        self.select_timeout_s = select_timeout_s
        self.read_timeout_s = read_timeout_s
        self.retries = retries
        self.read_attempts = read_attempts
        self.removal_polls = removal_polls
        self.reopen_interval_s = reopen_interval_s
        self.read_appended_address = read_appended_address
        self.fingerprints = fingerprints
        self._serial_factory = serial_factory
        self._ser: SerialPort | None = None
        self._decoder = FrameDecoder()
        self._io_lock = threading.RLock()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[EventCallback] = []
        self._listeners_lock = threading.Lock()
        self._armed = armed
        self._rearm = threading.Event()
        self.sam_id = ""
        self.status_publisher = StatusPublisher(self._status(DeviceState.STARTING))
        # Worker state (touched only by the worker thread).
        self._card_present = False
        self._placement_reported = False
        self._absent_polls = 0
        self._timeouts = 0

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

    def __enter__(self) -> IdCardReader:
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

    # --- events and status ---------------------------------------------------------------

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Receive card events on the worker thread; returns an unsubscribe function."""
        with self._listeners_lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, event: CardEvent) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the reader
                log.exception("card event listener failed on %s", type(event).__name__)

    @property
    def status(self) -> DeviceStatus:
        return self.status_publisher.status

    def _status(
        self, state: DeviceState, detail: str = "", card: CardPresence | None = None
    ) -> DeviceStatus:
        info = {"port": self.port, "baud": str(self.baud)}
        if self.sam_id:
            info["sam_id"] = self.sam_id
        return DeviceStatus(
            device_class=DeviceClass.IDCARD_READER,
            state=state,
            detail=detail,
            reader=ReaderBlock(card or CardPresence.UNKNOWN),
            capabilities={
                "fingerprint": self.fingerprints,
                "appended_address": self.read_appended_address,
                "photo": True,
            },
            info=info,
        )

    def _publish(
        self, state: DeviceState, detail: str = "", card: CardPresence | None = None
    ) -> None:
        self.status_publisher.publish(self._status(state, detail, card))

    # --- arming --------------------------------------------------------------------------

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        """Read cards and send card events again; a card already lying there is read once."""
        self._armed = True
        self._rearm.set()

    def disarm(self) -> None:
        """Ignore cards (no reads, no card events) until arm(); status keeps updating."""
        self._armed = False

    # --- worker --------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._cancel.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the worker promptly (an exchange in progress is cut short) and close the port."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
        self.close()
        self._publish(DeviceState.OFFLINE, "stopped")

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            if self._ser is None and not self._connect():
                self._stop.wait(self.reopen_interval_s)
                continue
            try:
                self._poll_once()
                self._timeouts = 0
            except ReadCancelled:
                self._cancel.clear()
            except ReaderUnavailable as exc:
                self._lost(exc, DeviceState.NO_DEVICE, "the reader is not connected")
            except ReaderTimeout as exc:
                self._timeouts += 1
                if self._timeouts >= 2:  # USB-serial adapters hang: reopen the port
                    self.close()
                    self._lost(exc, DeviceState.OFFLINE, "the reader does not answer")
            except IdCardError as exc:
                self._emit(ReaderFault(exc))
            except Exception as exc:  # never let the worker die: report, reopen, go on
                log.exception("unexpected reader failure")
                self.close()
                self._lost(ReaderUnavailable(str(exc)), DeviceState.HARDWARE_ERROR,
                           "the reader failed unexpectedly")
            # No faster than poll_interval_s from one poll's start to the next.
            wait = started + self.poll_interval_s - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)

    def _connect(self) -> bool:
        try:
            self.open()
            self.read_sam_status()
            self.read_sam_id()
        except ReaderUnavailable as exc:
            self._lost(exc, DeviceState.NO_DEVICE, "the reader is not connected")
            return False
        except ReadCancelled:
            self.close()
            return False
        except ReaderTimeout as exc:
            self.close()
            self._lost(exc, DeviceState.OFFLINE, "the reader does not answer")
            return False
        except IdCardError as exc:
            self.close()
            if self.status.state is not DeviceState.HARDWARE_ERROR:
                self._emit(ReaderFault(exc))
            self._publish(DeviceState.HARDWARE_ERROR, f"security module: {exc}")
            return False
        self._card_present = self._placement_reported = False
        self._absent_polls = 0
        self._publish(DeviceState.ONLINE, "", CardPresence.UNKNOWN)
        log.info("ID card reader online on %s, SAM %s", self.port, self.sam_id)
        return True

    def _lost(self, exc: IdCardError, state: DeviceState, detail: str) -> None:
        """The reader went away or stopped answering: report once, forget the card."""
        self.close()
        if self.status.state is not state:
            self._emit(ReaderFault(exc))
        if self._card_present and self._placement_reported:
            self._emit(CardRemoved())
        self._card_present = self._placement_reported = False
        self._publish(state, detail)

    def _poll_once(self) -> None:
        if self._rearm.is_set():
            self._rearm.clear()
            self._placement_reported = False
        if not self.find_card():
            self._absent_polls += 1
            if self._absent_polls >= self.removal_polls or not self._card_present:
                # Type B cards can miss a single find: only repeated misses mean "removed".
                if self._card_present and self._placement_reported:
                    self._emit(CardRemoved())
                self._card_present = self._placement_reported = False
                self._publish(DeviceState.ONLINE, "", CardPresence.ABSENT)
            return
        self._absent_polls = 0
        self._card_present = True
        self._publish(DeviceState.ONLINE, "", CardPresence.PRESENT)
        if not self._armed or self._placement_reported:
            return
        self._placement_reported = True  # once per placement, whatever the outcome
        self._emit(CardPresent())
        try:
            card = self._read_placed_card()
        except (ReaderStatusError, ProtocolError, UnreadableCard) as exc:
            self._emit(ReaderFault(exc))  # the citizen is asked to lift and re-place the card
            return
        except ReaderTimeout as exc:
            self._emit(ReaderFault(exc))
            raise  # also counts towards reopening the port
        self._emit(CardRead(card))

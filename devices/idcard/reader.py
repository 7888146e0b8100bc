"""The ID-card reader as the kiosk uses it: a polling worker with card events and device status.

Synchronous use (tools, tests) is the `ReaderSession` part, see `devices.idcard.session`::

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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devices.idcard.card import CardData
from devices.idcard.errors import (
    IdCardError,
    ProtocolError,
    ReadCancelled,
    ReaderStatusError,
    ReaderTimeout,
    ReaderUnavailable,
    UnreadableCard,
)
from devices.idcard.session import ReaderSession, SerialFactory, SerialPort, open_serial
from devices.status import (
    CardPresence,
    DeviceClass,
    DeviceState,
    DeviceStatus,
    ReaderBlock,
    StatusPublisher,
)

__all__ = [
    "CardEvent",
    "CardPresent",
    "CardRead",
    "CardRemoved",
    "EventCallback",
    "IdCardReader",
    "ReaderFault",
    "ReaderSession",
    "SerialFactory",
    "SerialPort",
]

log = logging.getLogger(__name__)


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


# --- the worker ----------------------------------------------------------------------------


class IdCardReader(ReaderSession):
    """A `ReaderSession` with a polling worker thread, card events and a device status."""

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
        serial_factory: SerialFactory = open_serial,
    ) -> None:
        super().__init__(
            port,
            baud,
            poll_interval_s=poll_interval_s,
            find_timeout_s=find_timeout_s,
            select_timeout_s=select_timeout_s,
            read_timeout_s=read_timeout_s,
            retries=retries,
            read_attempts=read_attempts,
            read_appended_address=read_appended_address,
            fingerprints=fingerprints,
            serial_factory=serial_factory,
        )
        self.removal_polls = removal_polls
        self.reopen_interval_s = reopen_interval_s
        self._thread: threading.Thread | None = None
        self._listeners: list[EventCallback] = []
        self._listeners_lock = threading.Lock()
        self._armed = armed
        self._rearm = threading.Event()
        self._reread_at: float | None = None  # monotonic time to read the lying card again
        self.status_publisher = StatusPublisher(self._status(DeviceState.STARTING))
        # Worker state (touched only by the worker thread).
        self._card_present = False
        self._placement_reported = False
        self._absent_polls = 0
        self._timeouts = 0

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

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

    def reread_after(self, delay_s: float) -> None:
        """Read the card lying on the reader once more after `delay_s` (while armed): the
        owner compares what it reads, so a card swapped faster than a removal can be seen is
        still found."""
        self._reread_at = time.monotonic() + delay_s

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
                self._lost(
                    ReaderUnavailable(str(exc)),
                    DeviceState.HARDWARE_ERROR,
                    "the reader failed unexpectedly",
                )
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
        reread_at = self._reread_at
        if reread_at is not None and time.monotonic() >= reread_at:
            self._reread_at = None
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

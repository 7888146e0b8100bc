"""``simreader://``: a simulated ID-card reader inside the process, as a pyserial port.

URL shape (see `parse_url`)::

    simreader://[CARD][?OPTION&OPTION...]

    CARD            a demo card, the stem of a file in assets/cards ("zhang_wei");
                    empty: nothing lies on the reader
    card=PATH       the card from a JSON file instead
    fault=SPEC      inject a fault, repeatable; SPEC is NAME[@COMMAND][*TIMES]: NAME a Fault
                    value ("checksum"), COMMAND a command in lower case ("read_text_photo"),
                    TIMES a count or "always" (default 1). A command takes the first armed
                    fault that matches it, in the order given.
    delay=SECONDS   how late a "slow" fault's reply comes (default 1.5)
    wire_timing=1   bytes arrive no faster than the port's baud allows
    chip_time=S     the reader's own time per command
    attach=KEY      the live simulator whose `url()` gave this URL (no other option then)

e.g. ``simreader://zhang_wei?fault=checksum@read_text_photo*always``.

The port answers with the very bytes, timing and faults of the pty simulator (both play out a
`devices.idcard.sim_core.Transmission`), but needs no device node and no thread: a write
computes the reply, a read returns what is due by then, waiting for it if need be. After a
DISCONNECT fault reads and writes fail as on an unplugged adapter, and new connections are
refused until the simulator's `plug_in()`.
"""

from __future__ import annotations

import collections
import threading
import time
import urllib.parse
from dataclasses import dataclass

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from devices.idcard.codec import Command
from devices.idcard.errors import UnreadableCard
from devices.idcard.sim_core import (
    CARDS_DIR,
    Fault,
    SimulatedLine,
    SimulatedReader,
    attached,
    load_card,
)

SCHEME = "simreader"


@dataclass(frozen=True)
class FaultSpec:
    fault: Fault
    on: Command | None = None  # None: the fault's usual commands
    times: int | None = 1  # None: until cleared


@dataclass(frozen=True)
class SimUrl:
    """A parsed ``simreader://`` URL."""

    card_name: str = ""
    card_path: str = ""
    faults: tuple[FaultSpec, ...] = ()
    delay_s: float = 1.5
    wire_timing: bool = False
    chip_time_s: float = 0.0
    attach: str = ""

    def build(self, baud: int) -> SimulatedReader:
        """The simulator this URL names: the attached one, or a new one as described."""
        if self.attach:
            reader = attached(self.attach)
            if reader is None:
                raise SerialException(f"no simulated reader {self.attach!r} is running")
            return reader
        try:
            if self.card_path:
                card = load_card(self.card_path)
            elif self.card_name:
                path = CARDS_DIR / f"{self.card_name}.json"
                if not path.is_file():
                    known = ", ".join(sorted(p.stem for p in CARDS_DIR.glob("*.json")))
                    raise SerialException(f"no demo card {self.card_name!r} (known: {known})")
                card = load_card(path)
            else:
                card = None
        except UnreadableCard as exc:
            raise SerialException(str(exc)) from None
        reader = SimulatedReader(
            card, wire_timing=self.wire_timing, chip_time_s=self.chip_time_s, baud=baud
        )
        for spec in self.faults:
            reader.inject(spec.fault, on=spec.on, times=spec.times, delay_s=self.delay_s)
        return reader


def _fault_spec(text: str) -> FaultSpec:
    rest, _, times_text = text.partition("*")
    name, _, command_text = rest.partition("@")
    try:
        fault = Fault(name.strip().lower())
    except ValueError:
        known = ", ".join(f.value for f in Fault)
        raise ValueError(f"unknown fault {name!r} (known: {known})") from None
    on = None
    if command_text:
        try:
            on = Command[command_text.strip().upper()]
        except KeyError:
            known = ", ".join(c.name.lower() for c in Command)
            raise ValueError(f"unknown command {command_text!r} (known: {known})") from None
    times: int | None = 1
    if times_text:
        if times_text == "always":
            times = None
        elif times_text.isdigit() and int(times_text) > 0:
            times = int(times_text)
        else:
            raise ValueError(f"fault count {times_text!r} is not a positive number or 'always'")
    return FaultSpec(fault, on, times)


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number of seconds") from None
    if not 0 <= value < 3600:
        raise ValueError(f"{name}={text!r} is out of range")
    return value


def _flag(name: str, text: str) -> bool:
    if text not in ("", "1", "true", "0", "false"):
        raise ValueError(f"{name}={text!r}: use 1 or 0")
    return text in ("", "1", "true")


def parse_url(url: str) -> SimUrl:
    """Parse a ``simreader://`` URL; ValueError says what is wrong with it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise ValueError(f"expected a {SCHEME}:// URL, not {url!r}")
    if parts.path not in ("", "/"):
        raise ValueError(f"a {SCHEME}:// URL has no path ({parts.path!r})")
    card_name = urllib.parse.unquote(parts.netloc)
    if card_name and not card_name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"{card_name!r} is not a demo card name")
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"fault", "card", "delay", "chip_time", "wire_timing", "attach"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}")
    single: dict[str, str] = {}
    for option, texts in query.items():
        if option != "fault" and len(texts) > 1:
            raise ValueError(f"option {option!r} given twice")
        single[option] = texts[0]
    if card_name and "card" in single:
        raise ValueError("give a demo card name or card=PATH, not both")
    if "attach" in single and (card_name or len(query) > 1 or not single["attach"]):
        raise ValueError("attach=KEY takes a key, and no card and no other option")
    return SimUrl(
        card_name=card_name,
        card_path=single.get("card", ""),
        faults=tuple(_fault_spec(text) for text in query.get("fault", [])),
        delay_s=_seconds("delay", single.get("delay", "1.5")),
        wire_timing=_flag("wire_timing", single.get("wire_timing", "0")),
        chip_time_s=_seconds("chip_time", single.get("chip_time", "0")),
        attach=single.get("attach", ""),
    )


class Serial(SerialBase):  # type: ignore[misc]  # pyserial ships no type hints
    """A pyserial port whose far end is a `SimulatedReader` in this process."""

    is_open: bool  # set by SerialBase.__init__

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._line: SimulatedLine | None = None
        self._rx: collections.deque[tuple[float, bytes]] = collections.deque()
        self._free_at = 0.0  # when the device can start on the next command
        self._hang_up_at: float | None = None
        self._cond = threading.Condition()
        super().__init__(*args, **kwargs)

    @property
    def simulator(self) -> SimulatedReader:
        """The simulated reader at the far end (to place cards or count commands)."""
        return self._require_line().reader

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        try:
            spec = parse_url(self._port)
        except ValueError as exc:
            raise SerialException(f"{self._port}: {exc}") from None
        self._reconfigure_port()
        reader = spec.build(self._baudrate)
        if not reader.plugged_in:
            raise SerialException(f"{self._port}: no such device (the reader is unplugged)")
        with self._cond:
            self._line = reader.connect()
            self._rx.clear()
            self._free_at = 0.0
            self._hang_up_at = None
        self.is_open = True

    def close(self) -> None:
        with self._cond:
            self.is_open = False
            self._line = None
            self._rx.clear()
            self._cond.notify_all()

    def _reconfigure_port(self) -> None:
        if not isinstance(self._baudrate, int) or not 0 < self._baudrate < 2**32:
            raise ValueError(f"invalid baudrate: {self._baudrate!r}")

    def _require_line(self) -> SimulatedLine:
        if not self.is_open or self._line is None:
            raise PortNotOpenError()
        return self._line

    def _check_connected(self, now: float) -> None:
        if self._hang_up_at is not None and now >= self._hang_up_at and not self._rx:
            # The words pyserial's own posix port uses when an adapter is pulled.
            raise SerialException(
                "device reports readiness to read but returned no data "
                "(device disconnected or multiple access on port?)"
            )

    def write(self, data: bytes | bytearray | memoryview) -> int:
        with self._cond:
            line = self._require_line()
            now = time.monotonic()
            if self._hang_up_at is not None and now >= self._hang_up_at:
                raise SerialException("write failed: the device is gone")
            transmission = line.receive(bytes(data))
            base = max(now, self._free_at)
            for piece in transmission.pieces:
                self._rx.append((base + piece.after_s, piece.data))
            self._free_at = base + transmission.duration_s
            if transmission.hang_up:
                self._hang_up_at = self._free_at
            self._cond.notify_all()
        return len(data)

    def _due(self, now: float) -> int:
        return sum(len(data) for at, data in self._rx if at <= now)

    @property
    def in_waiting(self) -> int:
        with self._cond:
            self._require_line()
            return self._due(time.monotonic())

    def read(self, size: int = 1) -> bytes:
        timeout = self._timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        out = bytearray()
        with self._cond:
            while len(out) < size:
                self._require_line()
                now = time.monotonic()
                while self._rx and self._rx[0][0] <= now and len(out) < size:
                    at, data = self._rx.popleft()
                    take = size - len(out)
                    out += data[:take]
                    if len(data) > take:
                        self._rx.appendleft((at, data[take:]))
                if len(out) >= size:
                    break
                if not out:
                    self._check_connected(now)
                # Sleep until the next piece is due, the timeout ends, or a write adds one.
                wake = self._rx[0][0] if self._rx else self._hang_up_at
                if deadline is not None:
                    if now >= deadline:
                        break
                    wake = deadline if wake is None else min(wake, deadline)
                self._cond.wait(None if wake is None else max(0.0, wake - now))
        return bytes(out)

    def reset_input_buffer(self) -> None:
        # Like tcflush: what has arrived is dropped; what is still on its way will arrive.
        with self._cond:
            self._require_line()
            now = time.monotonic()
            while self._rx and self._rx[0][0] <= now:
                self._rx.popleft()

    def reset_output_buffer(self) -> None:
        self._require_line()  # written bytes reach the device at once: nothing to drop

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

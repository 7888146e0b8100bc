"""A simulated resident ID-card reader that speaks the protocol's bytes over a pseudo-terminal.

The real driver opens the pty path as if it were /dev/ttyUSB0, so the demo and every test
exercise the same code a terminal runs. Cards come from JSON files (the keys of
`CardData.to_json(extra=True)`); faults are injected per command. What the reader answers is
decided by `devices.idcard.sim_core`; this module only carries it over the pty.

    sim = ReaderSimulator(load_card("assets/cards/zhang_wei.json"))
    path = sim.start_pty()            # e.g. /dev/pts/5
    ...                               # IdCardReader(path).read_card()
    sim.stop()

Without a pty, `sim.url()` (``simreader://?attach=N``) reaches the same simulator in-process
through pyserial, see `devices.idcard.urlhandler`.
"""

from __future__ import annotations

import os
import pty
import select
import threading
import time
import tty
from pathlib import Path

from devices.idcard.card import CardData
from devices.idcard.sim_core import (
    CARDS_DIR,
    DEFAULT_SAM_ID,
    Fault,
    SimulatedReader,
    Transmission,
    demo_cards,
    load_card,
)

__all__ = ["CARDS_DIR", "DEFAULT_SAM_ID", "Fault", "ReaderSimulator", "demo_cards", "load_card"]


class ReaderSimulator(SimulatedReader):
    """A simulated reader served on a pty (control methods come from SimulatedReader)."""

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
        super().__init__(
            card,
            wire_timing=wire_timing,
            chip_time_s=chip_time_s,
            baud=baud,
            sam_id=sam_id,
            serial_number=serial_number,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._slave = -1
        self._wake_r, self._wake_w = -1, -1
        self._link: Path | None = None
        self.path = ""

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
        self.plug_in()
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
        line = self.connect()
        master = self._master
        while not self._stop.is_set():
            ready, _, _ = select.select([master, self._wake_r], [], [])
            if self._wake_r in ready or self._stop.is_set():
                return
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not self._play(line.receive(data), master):
                return

    def _play(self, transmission: Transmission, master: int) -> bool:
        """Write the pieces at their times; False once the device has gone away."""
        start = time.monotonic()
        for piece in transmission.pieces:
            wait = start + piece.after_s - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return False
            try:
                os.write(master, piece.data)
            except OSError:
                return False
        if transmission.hang_up:
            self._stop.set()
            self._close_fds()
            return False
        # A silent or slow reply still keeps the device busy until its time is up.
        rest = start + transmission.duration_s - time.monotonic()
        return not (rest > 0 and self._stop.wait(rest))

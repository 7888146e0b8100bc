"""Watch the terminal's config file so that `kiosk-admin services enable|disable` (which edits
it) reaches a running terminal without a restart.

A small polling thread, not inotify: it works the same on every filesystem, costs one stat a
few seconds, and sees a file replaced atomically (as `set_service_enabled` does) as a change.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None  # (mtime ns, size, inode) or None when absent


def stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ConfigWatcher:
    def __init__(self, path: Path, on_change: Callable[[], None],
                 interval_s: float = 2.0) -> None:
        self.path = Path(path)
        self._on_change = on_change
        self._interval = interval_s
        self._last = stamp(self.path)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Call `on_change` if the file changed since the last look; True if it did."""
        now = stamp(self.path)
        if now == self._last:
            return False
        self._last = now
        try:
            self._on_change()
        except Exception:  # a broken edit is logged; the terminal keeps its last switches
            log.exception("config file %s changed but could not be applied", self.path)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="config-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

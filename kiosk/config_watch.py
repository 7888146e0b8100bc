"""Watch the terminal's config file and its switch file, so that `kiosk-admin services
enable|disable` (which writes the switch file) and an edit of the config reach a running
terminal without a restart.

A small polling thread, not inotify: it works the same on every filesystem, costs a stat or two
every few seconds, and sees a file replaced atomically (as kiosk.switch_file does) as a change.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
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
    def __init__(self, paths: Sequence[Path], on_change: Callable[[], None],
                 interval_s: float = 2.0) -> None:
        self.paths = [Path(p) for p in paths]
        self._on_change = on_change
        self._interval = interval_s
        self._last = self._stamps()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _stamps(self) -> list[Stamp]:
        return [stamp(p) for p in self.paths]

    def check(self) -> bool:
        """Call `on_change` if a file changed since the last look; True if one did."""
        now = self._stamps()
        if now == self._last:
            return False
        self._last = now
        try:
            self._on_change()
        except Exception:  # a broken edit is logged; the terminal keeps its last switches
            log.exception("a watched file changed but could not be applied")
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

"""Watch the terminal's config file and its switch file, so that `kiosk-admin services
enable|disable` (which writes the switch file) and an edit of the config reach a running
terminal without a restart.

A small polling thread, not inotify: it works the same on every filesystem, and sees a file
replaced atomically (as kiosk.switch_file does) as a change. It compares the files' contents too
(two small files every few seconds): an editor writing over a file in place, or `cp -p`, can
leave its size and modification time as they were.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat as stat_mode
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.config import MAX_CONFIG_BYTES

log = logging.getLogger(__name__)

# (mtime ns, size, inode, digest of the contents: b"" when not read) or None when absent
Stamp = tuple[int, int, int, bytes] | None


def stamp(path: Path) -> Stamp:
    try:
        # O_NONBLOCK: a FIFO put in the file's place must not stop the watcher.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:  # unreadable: what stat tells is all there is
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino, b"")
    try:
        st = os.fstat(fd)
        return (st.st_mtime_ns, st.st_size, st.st_ino, _digest(fd, st))
    except OSError:
        return None
    finally:
        os.close(fd)


def _digest(fd: int, st: os.stat_result) -> bytes:
    """The contents' digest; b"" for what the terminal would not read (a FIFO, a device, a
    file over the config size limit)."""
    if not stat_mode.S_ISREG(st.st_mode) or st.st_size > MAX_CONFIG_BYTES:
        return b""
    with os.fdopen(fd, "rb", closefd=False) as handle:
        return hashlib.blake2b(handle.read(MAX_CONFIG_BYTES + 1)).digest()


class ConfigWatcher:
    def __init__(self, paths: Sequence[Path], on_change: Callable[[], object],
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

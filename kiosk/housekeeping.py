"""What a terminal left alone for a night does by itself on a timer.

Every interval (and once at start): kept print jobs past their retention are purged (not only
when the terminal restarts, which an unattended terminal may not do for weeks), and the audit
chain's head is anchored outside the database (kiosk.store.anchor).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store import Store

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(self, store: Store, *, interval_s: float = 600.0) -> None:
        self._store = store
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        try:
            purged = self._store.jobs.purge_expired()
            if purged:
                log.info("purged %d kept print jobs past retention", purged)
        except Exception:
            log.exception("purging kept print jobs failed")
        try:
            self._store.anchors.anchor("periodic")
        except Exception:
            log.exception("anchoring the audit chain failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

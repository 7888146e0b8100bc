"""What a terminal left alone for a night does by itself on a timer.

Every interval (and once at start): kept print jobs past their retention are purged (not only
when the terminal restarts, which an unattended terminal may not do for weeks), the audit
chain's head is anchored outside the database (kiosk.store.anchor), and a terminal that took
itself out of service because its store could not write checks whether it can again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store import Store

log = logging.getLogger(__name__)

STORAGE_REASON = "storage: the audit log or the certificate registry cannot be written"
SetReasons = Callable[[str, list[str]], None]


class StorageHealth:
    """Out of service from a failed write until a probe line can be written again (a disk
    that filled and was cleared, a database that was locked): no session runs unrecorded."""

    def __init__(self, store: Store, set_reasons: SetReasons) -> None:
        self._store = store
        self._set_reasons = set_reasons
        self._lock = threading.Lock()
        self.failed = False

    def write_failed(self) -> None:
        with self._lock:
            self.failed = True
        self._set_reasons("storage", [STORAGE_REASON])

    def probe(self) -> None:
        with self._lock:
            if not self.failed:
                return
        try:
            self._store.audit.record("storage", "writable_again", actor="system")
        except Exception:
            log.warning("the store still cannot write: staying out of service")
            return
        with self._lock:
            self.failed = False
        self._set_reasons("storage", [])


class Housekeeping:
    def __init__(self, store: Store, *, interval_s: float = 600.0,
                 storage: StorageHealth | None = None) -> None:
        self._store = store
        self.interval_s = interval_s
        self.storage = storage
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        try:
            purged = self._store.jobs.purge_expired(audit=self._store.audit)
            if purged:
                log.info("purged %d kept print jobs past retention", purged)
        except Exception:
            log.exception("purging kept print jobs failed")
        try:
            self._store.anchors.anchor("periodic")
        except Exception:
            log.exception("anchoring the audit chain failed")
        if self.storage is not None:
            self.storage.probe()

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

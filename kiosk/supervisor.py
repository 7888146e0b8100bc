"""Brings the terminal into service and keeps watching whether it can stay there. No Qt.

On its own thread: run the start-up checks, then assemble and start the runtime. A failure is
an out-of-service reason (screen, attendant panel, log, systemd STATUS=), and the start is
tried again after a growing pause until the cause is fixed. Once serving, it watches the
free space of the data dir, so the terminal goes out of service before the next session
rather than failing in the middle of one. READY=1 goes to systemd the first time a citizen
can be served.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.preflight import Preflight, free_space_problem, run_checks
from kiosk.sdnotify import Notifier, one_line

if TYPE_CHECKING:
    from kiosk.runtime import Runtime

log = logging.getLogger(__name__)

START = "start"  # reason source: the start-up checks or the start itself
DATA_DIR = "data_dir"  # reason source: the watcher


class Supervisor:
    def __init__(
        self,
        runtime: Runtime,
        notifier: Notifier | None = None,
        *,
        retry: bool = True,
        checks: Callable[[Preflight], list[Any]] | None = None,
    ) -> None:
        self.runtime = runtime
        self.notifier = notifier or Notifier(address="")
        self.retry = retry
        self._checks = checks or (lambda ctx: run_checks(ctx, devices=False,
                                                         blocking_only=True))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = threading.Event()  # set once the runtime is up
        self.failure: str | None = None  # the last start failure, for a caller that gives up
        self.attempts = 0
        runtime.on_service_change(self._service_changed)
        # Also right after each session: the next citizen must not start on a full disk that
        # filled since the last periodic look.
        runtime.runner.on_session_end(lambda _reason: self.watch_once())

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self.notifier.status("starting")
        self._thread = threading.Thread(target=self.run, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.notifier.stopping()

    def run(self) -> None:
        health = self.runtime.settings.health
        pause = health.retry_min_s
        while not self._stop.is_set():
            self.attempts += 1
            reasons = self.try_start()
            if not reasons:
                break
            self.failure = "; ".join(reasons)
            if not self.retry:
                self.runtime.ready.set()  # wake a waiting tour: it reports the failure
                return
            log.info("start-up: trying again in %.0f s", pause)
            if self._stop.wait(pause):
                return
            pause = min(pause * 2, health.retry_max_s)
        self.started.set()
        while not self._stop.wait(health.check_interval_s):
            self.watch_once()

    def try_start(self) -> list[str]:
        """One attempt: the checks, then assemble and start. The reasons it failed, if any."""
        runtime = self.runtime
        ctx = Preflight(runtime.settings, catalog=runtime.catalog)
        findings = self._checks(ctx)
        if not findings:
            try:
                runtime.assemble()
                runtime.start()
            except Exception as exc:  # any failure of a start is a reason, never a crash
                log.exception("start-up failed")
                runtime.abandon_start()
                findings = [f"start: {one_line(str(exc), 300) or type(exc).__name__}"]
        reasons = [str(f) for f in findings]
        runtime.set_reasons(START, reasons)
        if not reasons:
            self.watch_once()
        return reasons

    def watch_once(self) -> None:
        """The checks a running terminal repeats: free space in the data dir."""
        settings = self.runtime.settings
        problems = list(free_space_problem(settings.resolved_data_dir(),
                                           settings.health.min_free_mb))
        self.runtime.set_reasons(DATA_DIR, [f"data_dir: {p}" for p in problems])

    # ---- telling systemd --------------------------------------------------------------------
    def _service_changed(self, serving: bool, reasons: tuple[str, ...]) -> None:
        if serving:
            if self.notifier.ready_sent:
                self.notifier.status("in service")
            else:
                self.notifier.ready("in service")
        else:
            self.notifier.status("out of service: " + "; ".join(reasons))

"""Citizen sessions back to back, headless, to see whether a terminal left alone all night
keeps its memory, file descriptors and threads (bench/bench_soak.py, and a test).

Every session goes through the real runtime with the simulators: the reader simulator read by
the real driver (polling fast), the demo back-end over HTTP, the store writing the audit log;
every `print_every`-th one also passes the face check and prints a sealed certificate.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk import flow
from kiosk.config import Settings
from kiosk.flow import Screen
from kiosk.malloc_arenas import tune_malloc
from kiosk.runtime import Runtime

# Card-only services without required input, over four back-end families.
QUERIES = ("electricity.account_info", "housing_fund.account_info",
           "medical_insurance.enrollment_status", "pension.account_balance")
PRINTED = "real_estate.registration_info"  # card + face, printable
FAST_POLL_S = 0.01


@dataclass(frozen=True)
class Figures:
    rss_kb: int
    fds: int
    threads: int


def process_figures() -> Figures:
    """Resident memory, open file descriptors and OS threads of this process (Linux /proc)."""
    gc.collect()
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return Figures(rss_kb=int(fields["VmRSS"].split()[0]), fds=len(os.listdir("/proc/self/fd")),
                   threads=int(fields["Threads"]))


@contextmanager
def soak_runtime(data_dir: Path) -> Iterator[Runtime]:
    """The demo terminal at office hours, its reader polled fast, ready to serve;
    malloc set up as `kiosk` sets it (this must run before the process's threads start)."""
    tune_malloc()
    noon = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
    runtime = Runtime.build(Settings(data_dir=data_dir), simulate=True, place_delay_s=0.0,
                            start_verify_web=False, wall_clock=lambda: noon)
    runtime.reader.poll_interval_s = FAST_POLL_S
    runtime.start()
    try:
        deadline = time.monotonic() + 30
        while not all(status.ready for status in runtime.device_statuses()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"devices not ready: {runtime.device_statuses()}")
            time.sleep(0.02)
        yield runtime
    finally:
        runtime.stop()


def run_sessions(runtime: Runtime, count: int, *, start: int = 0, print_every: int = 0) -> None:
    """`count` sessions, each one to its result (or printed certificate) and Finish."""
    runner = runtime.runner
    for number in range(start, start + count):
        printing = print_every > 0 and number % print_every == print_every - 1
        service_id = PRINTED if printing else QUERIES[number % len(QUERIES)]
        service = runtime.catalog.get(service_id)
        assert service is not None, service_id
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 30)
        runner.dispatch(flow.ChooseService(service))
        state = runner.wait_for(lambda s: s.screen in (Screen.RESULT, Screen.ERROR), 60)
        if state.screen is Screen.ERROR:
            raise RuntimeError(f"session {number} ({service_id}): {state.message}")
        if printing:
            runner.dispatch(flow.RequestPrint())
            state = runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 60)
            if state.screen is Screen.ERROR:
                raise RuntimeError(f"printing in session {number}: {state.message}")
        runner.dispatch(flow.Finish())


def settled_figures(quiet_s: float = 0.3, limit_s: float = 10.0) -> Figures:
    """Figures once short-lived threads (a card placement, a worker finishing) are gone: the
    same thread count twice, `quiet_s` apart (waits at most `limit_s`)."""
    deadline = time.monotonic() + limit_s
    last = process_figures()
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = process_figures()
        if now.threads == last.threads and now.fds == last.fds:
            return now
        last = now
    return last


def python_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate())

"""Soak: 10,000 citizen sessions back to back through the real runtime with the simulators
(reader polled fast, demo back-end over HTTP, audit log written, every 500th session with the
face check and a printed certificate). Prints resident memory, open file descriptors and
threads after 1,000 and after 10,000 sessions. Goal: memory grows by at most 5 MB between the
two, descriptors and threads do not grow.

A warm-up goes first and is not counted: the certificate path fills its one-time caches
(fonts, signing, the face detector) over its first twenty or so prints, which a run printing
every 500th session would otherwise spread over the whole soak and report as growth.

The process caps glibc's malloc arenas at two, as `kiosk` and kiosk.service do
(kiosk/malloc_arenas.py): with glibc's default of eight per core, every arena kept its own
peak of the certificate path's scratch memory and the soak grew 38 MB. It also maps blocks
of 256 KiB and more on their own for good, and malloc's bytes in use count those blocks too:
a block that glibc moved from its own mapping into an arena no longer shows as growth. Each
session's end hands the arenas' whole free pages back (malloc_trim), so "free but kept" can
grow while resident memory does not.

SOAK_SESSIONS=2000 runs a shorter soak (the first sample stays at a tenth of the run).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from kiosk.malloc_arenas import heap_kb
from kiosk.soak import run_sessions, settled_figures, soak_runtime

TOTAL = int(os.environ.get("SOAK_SESSIONS", "10000"))
FIRST = max(1, TOTAL // 10)
PRINT_EVERY = 500
WARM_UP_PRINTS, WARM_UP_QUERIES = 25, 100


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}), flush=True)


def main() -> None:
    logging.disable(logging.INFO)  # thousands of sessions: keep only warnings
    with tempfile.TemporaryDirectory() as tmp, soak_runtime(Path(tmp) / "data") as runtime:
        run_sessions(runtime, WARM_UP_PRINTS, print_every=1)
        run_sessions(runtime, WARM_UP_QUERIES)
        started = time.perf_counter()
        run_sessions(runtime, FIRST, print_every=PRINT_EVERY)
        first, first_heap = settled_figures(), heap_kb()
        run_sessions(runtime, TOTAL - FIRST, start=FIRST, print_every=PRINT_EVERY)
        last, last_heap = settled_figures(), heap_kb()
        elapsed = time.perf_counter() - started
    for label, figures in ((FIRST, first), (TOTAL, last)):
        emit(f"soak_rss_after_{label}_sessions", figures.rss_kb / 1024, "MB")
        emit(f"soak_fds_after_{label}_sessions", figures.fds, "count")
        emit(f"soak_threads_after_{label}_sessions", figures.threads, "count")
    emit("soak_rss_growth", (last.rss_kb - first.rss_kb) / 1024, "MB")
    if first_heap is not None and last_heap is not None:
        # Resident growth with these two flat is neither a leak nor kept free memory (malloc).
        emit("soak_malloc_in_use_growth", (last_heap[0] - first_heap[0]) / 1024, "MB")
        emit("soak_malloc_free_kept_growth", (last_heap[1] - first_heap[1]) / 1024, "MB")
    emit("soak_fds_growth", last.fds - first.fds, "count")
    emit("soak_threads_growth", last.threads - first.threads, "count")
    emit("soak_session_time_mean", elapsed / TOTAL * 1000, "ms")  # a print: about 2 s


if __name__ == "__main__":
    main()

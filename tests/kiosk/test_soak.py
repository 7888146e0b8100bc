"""300 citizen sessions back to back through the real runtime with the simulators: file
descriptors and threads stay flat (the 10,000-session figures are bench/bench_soak.py's)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk import malloc_arenas
from kiosk.soak import python_threads, run_sessions, settled_figures, soak_runtime

# A leak of one descriptor or thread per session would show as hundreds; a keep-alive
# connection opened or expired between two samples moves the count by two (both ends).
SLACK = 4


def test_three_hundred_sessions_keep_descriptors_and_threads_flat(tmp_path: Path) -> None:
    with soak_runtime(tmp_path / "data") as runtime:
        run_sessions(runtime, 20, print_every=10)  # every family's connection, one print
        warm = settled_figures()
        names = python_threads()
        run_sessions(runtime, 300, start=20, print_every=100)
        after = settled_figures()
        assert after.fds <= warm.fds + SLACK, (warm, after)
        assert after.threads <= warm.threads + SLACK, (warm, after, names, python_threads())
        audit = runtime.store.audit
        assert audit.verify_chain().intact


def test_every_session_end_hands_free_memory_back(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[int] = []
    monkeypatch.setattr(malloc_arenas, "release_free_memory", lambda: released.append(1))
    with soak_runtime(tmp_path / "data") as runtime:
        run_sessions(runtime, 3, print_every=3)
        deadline = time.monotonic() + 10  # the last session's end runs on a worker
        while len(released) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(released) == 3

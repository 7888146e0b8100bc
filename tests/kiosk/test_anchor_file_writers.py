"""The anchor file has more than one writer: the running terminal (after each session and
every few minutes) and every `kiosk-admin` command that closes the store, such as
`services disable` while the terminal serves. Each replaces the file whole: a reader sees one
writer's anchor or another's, never a mix, and no writer's replace fails for another's."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kiosk.store.anchor import Anchor, AnchorError, FileAnchorSink
from kiosk.store.keys import TerminalKeys

KEY = b"k" * 32
ROUNDS = 150


def _publish_many(path: str, writer: int) -> tuple[int, int]:
    """(publishes that failed, loads that found no whole anchor)."""
    sink = FileAnchorSink(Path(path), TerminalKeys(KEY))
    failed = torn = 0
    for i in range(ROUNDS):
        # Lengths differ from writer to writer, so a mix of two is never a valid anchor.
        anchor = Anchor(i, "m" * 64, 1, "2026-05-04T12:00:00+00:00",
                        "T" * (1 + (writer * 37 + i) % 200), "k")
        try:
            sink.publish(anchor, "periodic")
        except OSError:
            failed += 1
        try:
            sink.load()
        except AnchorError:
            torn += 1
    return failed, torn


def test_writers_at_once_never_tear_the_anchor_file(tmp_path: Path) -> None:
    path = tmp_path / "audit-anchor.json"
    with ProcessPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_publish_many, [str(path)] * 3, range(3)))
    assert results == [(0, 0)] * 3
    assert FileAnchorSink(path, TerminalKeys(KEY)).load() is not None
    assert [p.name for p in tmp_path.iterdir()] == ["audit-anchor.json"]


def test_what_a_killed_writer_left_is_swept_once_it_is_old(tmp_path: Path) -> None:
    """A writer killed before its rename leaves its temporary file; another writer may be
    using a fresh one right now, so only old ones are removed."""
    import os
    import time

    path = tmp_path / "audit-anchor.json"
    old = tmp_path / ".audit-anchor.json.0123456789abcdef.tmp"
    fresh = tmp_path / ".audit-anchor.json.fedcba9876543210.tmp"
    for left in (old, fresh):
        left.write_text("{", encoding="utf-8")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    FileAnchorSink(path, TerminalKeys(KEY)).publish(
        Anchor(1, "m" * 64, 1, "2026-05-04T12:00:00+00:00", "T-1", "k"), "periodic")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, fresh.name])

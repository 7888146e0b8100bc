"""The one way the terminal replaces a small file of its data dir (kiosk.atomic_file)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from kiosk.atomic_file import sweep_temporaries, write_atomically


def test_writers_at_once_leave_one_whole_version_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    versions = [f'{{"writer": {i}, "pad": "{"x" * 20000}"}}' for i in range(8)]

    def write(text: str) -> None:
        for _ in range(20):
            write_atomically(path, text)

    threads = [threading.Thread(target=write, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert path.read_text(encoding="utf-8") in versions  # whole, never a mix
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".state.json.*.tmp"))


def test_a_symlink_in_the_files_place_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere"
    victim.write_text("keep me", encoding="utf-8")
    path = tmp_path / "state.json"
    path.symlink_to(victim)
    write_atomically(path, b"new")
    assert not path.is_symlink() and path.read_bytes() == b"new"
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_leftovers_of_killed_writers_are_swept_by_age_or_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    old, fresh = tmp_path / ".state.json.aaaa.tmp", tmp_path / ".state.json.bbbb.tmp"
    for left in (old, fresh):
        left.write_text("half", encoding="utf-8")
    os.utime(old, (1, 1))
    sweep_temporaries(path, older_than_s=3600)
    assert not old.exists() and fresh.exists()  # a writer may be between write and rename
    sweep_temporaries(path)  # the caller holds the edit lock
    assert not fresh.exists()

"""Replacing a small file of the data dir so that a power cut or a kill leaves the old contents
or the new, never half, and two writers at once never share a temporary file.

Used by everything the terminal keeps beside its database: the switch file, the audit anchor,
the fleet credential, its kept configuration and the remote actions already run.
"""

from __future__ import annotations

import glob
import os
import secrets
import time
from pathlib import Path


def write_atomically(path: Path, data: bytes | str) -> None:
    """Give `path` these contents (mode 0600, the writer's). The temporary file has a random
    name of its own and is made with O_EXCL|O_NOFOLLOW, so a name planted there is refused; a
    symlink at `path` is replaced, not followed; the rename is made durable too."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sweep_temporaries(path: Path, older_than_s: float | None = None) -> None:
    """Remove what writers of `path` killed before their rename left: all of it when the
    caller holds the file's edit lock (no other writer runs), else only files older than
    `older_than_s` (another writer may be between its write and its rename right now)."""
    too_old = None if older_than_s is None else time.time() - older_than_s
    for left in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if too_old is None or left.lstat().st_mtime < too_old:
                left.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: the next write tries again


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

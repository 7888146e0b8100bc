"""The admin's service switches for this terminal, kept in its data dir.

Why not in the config file: a terminal in service runs with /etc read-only (kiosk.service has
ProtectSystem=strict), and its data dir is the one place it may write. So the admin screen and
`kiosk-admin services enable|disable` write this small file; it lies over the config file's
[services], and a fleet's configuration lies over both (kiosk.service_switches).

Every write is read-modify-write under a lock beside the file and replaces it atomically, so
switches made at the same moment by the screen and a script are all kept, and a cut power
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import glob
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from kiosk.config import (
    ConfigError,
    Settings,
    parse_toml,
    read_bounded_file,
    validation_problem,
)

FILE_NAME = "service-switches.toml"

HEADER = """\
# Services switched on or off on this terminal by its admin (the admin screen, or
# `kiosk-admin services enable|disable`). They lie over the config file's [services]; the
# centre's configuration, when there is a fleet, lies over both. Written by the terminal.
"""


class LocalSwitches(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()

    def switched(self, service_id: str, enabled: bool) -> LocalSwitches:
        on = {s for s in self.enabled if s != service_id}
        off = {s for s in self.disabled if s != service_id}
        (on if enabled else off).add(service_id)
        return LocalSwitches(enabled=tuple(sorted(on)), disabled=tuple(sorted(off)))

    def over(self, settings: Settings) -> Settings:
        """`settings` with these switches over its [services]."""
        if not (self.enabled or self.disabled):
            return settings
        services = settings.services.switched(self.enabled, self.disabled)
        return settings.model_copy(update={"services": services})


def switch_file_path(settings: Settings) -> Path:
    return settings.resolved_data_dir() / FILE_NAME


def read_switches(path: Path) -> LocalSwitches:
    """The switches in `path`; none when there is no file. A file that cannot be read or is
    not what the terminal writes raises ConfigError in one line naming it."""
    try:
        data = read_bounded_file(path)
    except FileNotFoundError:
        return LocalSwitches()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        return LocalSwitches.model_validate(parse_toml(text, str(path)))
    except ValidationError as exc:
        raise ConfigError(f"{path}: {validation_problem(exc)}") from None


def render(switches: LocalSwitches) -> str:
    import tomlkit

    doc = tomlkit.document()
    doc["enabled"] = list(switches.enabled)
    doc["disabled"] = list(switches.disabled)
    return HEADER + tomlkit.dumps(doc)


def write_switch(path: Path, service_id: str, enabled: bool) -> LocalSwitches:
    """Switch one service in `path`; the switches now in force there."""
    with _edit_lock(path):  # two admins at once: each edit reads the other's result
        _remove_stale_temporaries(path)
        switches = read_switches(path).switched(service_id, enabled)
        replace_file_text(path, render(switches), new_file_mode=0o600)
        return switches


@contextmanager
def _edit_lock(path: Path) -> Iterator[None]:
    """An exclusive lock for editing `path`, held on a file beside it: the file itself is
    replaced by each edit, so a lock on it would be a lock on a file already gone."""
    import fcntl

    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Read-only is enough for flock, and lets the terminal's user open a lock file that
    # `kiosk-admin` run as root created first.
    fd = os.open(target.with_name(f".{target.name}.lock"), os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        _give_to_folder_owner(fd, target.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove_stale_temporaries(path: Path) -> None:
    """What a writer killed before its rename left (lock held: no other writer is running)."""
    target = Path(os.path.realpath(path))
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        stale.unlink(missing_ok=True)


def _give_to_folder_owner(fd: int, folder: Path) -> None:
    """Root creating a file in a folder someone else owns (`kiosk-admin` as root in the
    terminal's data dir) gives it to that owner, or the terminal could not replace it later."""
    if os.geteuid() != 0:
        return
    owner = os.stat(folder)
    if (owner.st_uid, owner.st_gid) != (0, 0):
        os.fchown(fd, owner.st_uid, owner.st_gid)


def replace_file_text(path: Path, text: str, new_file_mode: int = 0o644) -> None:
    """Atomically give `path` new contents: a symlink stays a symlink (its target is
    replaced), and the file keeps its mode and owner."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        before: os.stat_result | None = target.stat()
    except FileNotFoundError:
        before = None
    # Random, not the process id: a writer killed before its rename leaves its file, and a
    # later process may be given the same id.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 before.st_mode & 0o7777 if before else new_file_mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            if before is not None:
                os.fchmod(out.fileno(), before.st_mode & 0o7777)  # the umask narrowed it
                if (before.st_uid, before.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(out.fileno(), before.st_uid, before.st_gid)
            else:
                _give_to_folder_owner(out.fileno(), target.parent)
            os.fsync(out.fileno())
        os.replace(tmp, target)
        _fsync_folder(target.parent)  # the rename itself survives a power cut
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

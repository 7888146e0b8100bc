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

import errno
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from kiosk.atomic_file import sweep_temporaries, write_atomically
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


class BrokenSwitchFile(ConfigError):
    """The switch file cannot be read or is not what the terminal writes."""


class SwitchFileBusy(ConfigError):
    """Another process holds the switch file's edit lock, longer than any edit takes."""


# An edit takes milliseconds; a writer holding the lock this long is stuck (a kiosk-admin
# suspended with Ctrl-Z), and the admin screen or a script waiting on it would wait for ever.
LOCK_WAIT_S = 10.0


class LocalSwitches(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _each_service_once(self) -> LocalSwitches:
        both = sorted(set(self.enabled) & set(self.disabled))
        if both:
            raise ValueError(f"switched both on and off: {', '.join(both)}")
        return self

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
    not what the terminal writes raises BrokenSwitchFile in one line naming it."""
    try:
        # Never through a symlink: the terminal writes a plain file, and a link planted in
        # its data dir must not make root (kiosk-admin) read another file.
        data = read_bounded_file(path, follow_symlinks=False)
    except FileNotFoundError:
        return LocalSwitches()
    except ConfigError as exc:  # a FIFO, a device, a folder, too large
        raise BrokenSwitchFile(str(exc)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BrokenSwitchFile(f"{path}: a symbolic link, not the terminal's file") from None
        raise BrokenSwitchFile(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BrokenSwitchFile(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        raw = parse_toml(text, str(path))
    except ConfigError as exc:
        raise BrokenSwitchFile(str(exc)) from None
    try:
        return LocalSwitches.model_validate(raw)
    except ValidationError as exc:
        raise BrokenSwitchFile(f"{path}: {validation_problem(exc)}") from None


def render(switches: LocalSwitches) -> str:
    import tomlkit

    doc = tomlkit.document()
    doc["enabled"] = list(switches.enabled)
    doc["disabled"] = list(switches.disabled)
    return HEADER + tomlkit.dumps(doc)


def write_switch(path: Path, service_id: str, enabled: bool) -> LocalSwitches:
    """Switch one service in `path`; the switches now in force there."""
    with _edit_lock(path):  # two admins at once: each edit reads the other's result
        sweep_temporaries(path)  # lock held: no other writer is running
        switches = read_switches(path).switched(service_id, enabled)
        write_atomically(path, render(switches))
        return switches


@contextmanager
def _edit_lock(path: Path) -> Iterator[None]:
    """An exclusive lock for editing `path`, held on a file beside it: the file itself is
    replaced by each edit, so a lock on it would be a lock on a file already gone."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    # Read-only is enough for flock; O_NOFOLLOW: a symlink planted as the lock is refused;
    # O_NONBLOCK: so is a FIFO, which would otherwise hold open() for ever.
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{lock}: not a regular file (the switch file's lock)")
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SwitchFileBusy(
                        f"{path}: another process has been editing it for {LOCK_WAIT_S:g} s "
                        "(a kiosk-admin stopped half-way?); try again") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)

"""Switching services on and off on a running terminal, from its admin screen or from
`kiosk-admin services enable|disable`, without a restart.

Three layers decide whether a service is offered, each over the one before: the catalog's own
flag and the config file's [services] (what the terminal was installed with), this terminal's
admin switches in its data dir (kiosk.switch_file), and a fleet's configuration. The admin
screen writes the switch file exactly as the command line does, and both reach the running
terminal because it re-reads both files when they change (kiosk.config_watch).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kiosk.config import ConfigError, Settings, load_settings
from kiosk.switch_file import LocalSwitches, read_switches, write_switch

log = logging.getLogger(__name__)

T = TypeVar("T")


class ServiceSwitches:
    def __init__(self, runtime: Any, config_path: Path | None, switch_path: Path) -> None:
        self._runtime = runtime
        self.config_path = config_path
        self.switch_path = switch_path
        self._local = LocalSwitches()
        # Why a file's last edit was not applied, by file: the panel shows it, so staff
        # learn the terminal still runs on its last good switches.
        self._problems: dict[Path, str] = {}
        self._audited: dict[Path, str] = {}  # each problem goes into the audit log once
        # The config watcher and the fleet link apply settings from their own threads: one at
        # a time, each computed from the newest files and fleet document under this lock, so
        # an apply computed before a switch can never land after it and undo it.
        self._lock = threading.RLock()

    @property
    def problem(self) -> str:
        with self._lock:  # the panel asks from the GUI thread while the watcher writes
            return "; ".join(self._problems.values())

    def watched_paths(self) -> list[Path]:
        return [p for p in (self.config_path, self.switch_path) if p is not None]

    def initial(self, settings: Settings) -> Settings:
        """At start: the config file's settings with this terminal's switches over them. A
        switch file that cannot be read leaves the file's switches (the terminal keeps
        serving), and the panel says why; the audit log hears of it once the store is open."""
        from kiosk.data_mode import has_demo_leftovers

        try:
            demo_left = has_demo_leftovers(settings)
        except (OSError, ConfigError):
            demo_left = False  # no usable data dir: the start says so, not this
        if demo_left:
            return settings  # the demo's switches are dropped as the data dir is claimed
        with self._lock:
            local = self._read_local()
            if local is not None:
                self._local = local
            return self._local.over(settings)

    def enabled_ids(self) -> set[str]:
        return {s.id for s in self._runtime.catalog.enabled()}

    def apply_central(self, document: Any) -> None:
        """A fleet's document, over the files' switches."""
        with self._lock:
            self._runtime.central_document = document
            self._apply()

    def _apply(self) -> None:
        """The layers, applied (lock held)."""
        runtime = self._runtime
        settings = self._local.over(runtime.base_settings)
        document = getattr(runtime, "central_document", None)
        if document is not None:
            from kiosk.fleet_link.config_sync import merge_settings

            settings = merge_settings(settings, document)
        runtime.reconfigure(settings)

    def reload(self) -> tuple[set[str], set[str]]:
        """Apply both files' switches now; (switched on, switched off)."""
        with self._lock:
            runtime = self._runtime
            changed = False
            from_file = self._read_config()
            if from_file is not None and from_file.services != runtime.base_settings.services:
                runtime.base_settings = runtime.base_settings.model_copy(
                    update={"services": from_file.services})
                changed = True
            local = self._read_local()
            if local is not None and local != self._local:
                self._local = local
                changed = True
            self._audit_problems()
            if not changed:
                return set(), set()
            before = self.enabled_ids()
            self._apply()
            after = self.enabled_ids()
        on, off = after - before, before - after
        if on or off:
            detail = f"on: {','.join(sorted(on))}; off: {','.join(sorted(off))}"
            self._audit("services_applied", "ok", detail)
        return on, off

    def _audit(self, action: str, outcome: str, detail: str) -> bool:
        store = getattr(self._runtime, "store", None)
        if store is None:  # not open yet (the start reads the files first)
            return False
        store.audit.record(action, outcome, actor="system", detail=detail[:200])
        return True

    def _audit_problems(self) -> None:
        """Each file's problem into the audit log once, not at every look (lock held)."""
        for path, problem in list(self._problems.items()):
            if self._audited.get(path) != problem and self._audit(
                    "config_rejected", "kept_last", problem):
                self._audited[path] = problem

    def _read_config(self) -> Settings | None:
        if self.config_path is None:
            return None
        return self._checked(self.config_path, lambda: load_settings(self.config_path))

    def _read_local(self) -> LocalSwitches | None:
        return self._checked(self.switch_path, lambda: read_switches(self.switch_path))

    def _checked(self, path: Path, read: Callable[[], T]) -> T | None:
        """`read()`, or None when the file is broken: the terminal keeps serving with the
        switches it has, and the panel shows the problem (lock held)."""
        try:
            value = read()
        except ConfigError as exc:
            problem = str(exc)
            if self._problems.get(path) != problem:
                log.warning("not applied, the last good switches stay: %s", problem)
            self._problems[path] = problem
            return None
        self._problems.pop(path, None)
        self._audited.pop(path, None)
        return value

    def set_enabled(self, service_id: str, enabled: bool) -> None:
        """The admin screen's switch: written to the switch file, audited, applied now."""
        if service_id not in self._runtime.catalog:
            raise ConfigError(f"no service {service_id!r}")
        if enabled:
            refuse_unservable(self._runtime.base_settings, service_id)
        write_switch(self.switch_path, service_id, enabled)
        self._runtime.store.audit.record("service_switch", "on" if enabled else "off",
                                         actor="admin", detail=service_id)
        self.reload()


class Unservable(ConfigError):
    """A service this terminal cannot serve as configured (no back-end or seal for it)."""


def refuse_unservable(settings: Settings, service_id: str) -> None:
    """A terminal in service offers a service only with its back-end and seal configured:
    switched on without them, every citizen choosing it would fail, and the next start would
    refuse the whole terminal. Raises Unservable naming what is missing."""
    from kiosk.preflight import service_requirements
    from services_catalog.catalog import load_catalog

    alone = load_catalog(settings.services.extra_catalog_dirs,
                         lambda sid: sid == service_id)  # only this one enabled
    for problem in service_requirements(settings, alone):
        raise Unservable(f"{service_id} cannot be switched on here: {problem}")


def layered_settings(settings: Settings) -> Settings:
    """The settings the terminal runs with, read from its files: the config file's, the
    admin's switches over them, and the centre's configuration as last kept over both. For
    commands and checks made beside the running terminal. Raises BrokenSwitchFile."""
    from kiosk.data_mode import has_demo_leftovers
    from kiosk.switch_file import switch_file_path

    layered = settings
    if not has_demo_leftovers(settings):  # the demo's switches go when the dir is claimed
        layered = read_switches(switch_file_path(settings)).over(settings)
    if settings.fleet is not None:
        from kiosk.fleet_link.config_sync import kept_document, merge_settings

        document = kept_document(settings.resolved_data_dir())
        if document is not None:
            layered = merge_settings(layered, document)
    return layered

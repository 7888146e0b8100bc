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
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, Settings, load_settings
from kiosk.switch_file import LocalSwitches, read_switches, write_switch

log = logging.getLogger(__name__)


class ServiceSwitches:
    def __init__(self, runtime: Any, config_path: Path | None, switch_path: Path) -> None:
        self._runtime = runtime
        self.config_path = config_path
        self.switch_path = switch_path
        self._local = LocalSwitches()
        # Why a file's last edit was not applied, by file: the panel shows it, so staff
        # learn the terminal still runs on its last good switches.
        self._problems: dict[Path, str] = {}
        # The problems already in the audit log: one found at start, before the store is
        # open, is recorded at the first look after it, and none is recorded twice.
        self._audited: dict[Path, str] = {}
        # The config watcher and the fleet link apply settings from their own threads: one at
        # a time, each computed from the newest files and fleet document under this lock, so
        # an apply computed before a switch can never land after it and undo it.
        self._lock = threading.RLock()

    @property
    def problem(self) -> str:
        return "; ".join(self._problems.values())

    def watched_paths(self) -> list[Path]:
        return [p for p in (self.config_path, self.switch_path) if p is not None]

    def initial(self, settings: Settings) -> Settings:
        """At start: the config file's settings with this terminal's switches over them. A
        switch file that cannot be read leaves the file's switches, and the panel says why."""
        with self._lock:
            local = self._read_local(audit=False)
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
            local = self._read_local(audit=True)
            if local is not None and local != self._local:
                self._local = local
                changed = True
            if not changed:
                return set(), set()
            before = self.enabled_ids()
            self._apply()
            after = self.enabled_ids()
        on, off = after - before, before - after
        if on or off:
            detail = f"on: {','.join(sorted(on))}; off: {','.join(sorted(off))}"
            runtime.store.audit.record("services_applied", "ok", actor="system",
                                       detail=detail[:200])
        return on, off

    def _read_config(self) -> Settings | None:
        if self.config_path is None:
            return None
        return self._checked(self.config_path, lambda: load_settings(self.config_path),
                             audit=True)

    def _read_local(self, *, audit: bool) -> LocalSwitches | None:
        return self._checked(self.switch_path, lambda: read_switches(self.switch_path),
                             audit=audit)

    def _checked(self, path: Path, read: Any, *, audit: bool) -> Any:
        """`read()`, or None when the file is broken: the terminal keeps serving with the
        switches it has, and the problem is logged and audited once, not at every look."""
        try:
            value = read()
        except ConfigError as exc:
            problem = str(exc)
            log.warning("%s not applied, the last good switches stay: %s", path, problem)
            self._problems[path] = problem
            if audit and self._audited.get(path) != problem:
                self._runtime.store.audit.record("config_rejected", "kept_last",
                                                 actor="system", detail=problem[:200])
                self._audited[path] = problem
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


def refuse_unservable(settings: Settings, service_id: str) -> None:
    """A terminal in service offers a service only with its back-end and seal configured:
    switched on without them, every citizen choosing it would fail, and the next start would
    refuse the whole terminal. Raises ConfigError naming what is missing."""
    from kiosk.preflight import service_requirements
    from services_catalog.catalog import load_catalog

    alone = load_catalog(settings.services.extra_catalog_dirs,
                         lambda sid: sid == service_id)  # only this one enabled
    for problem in service_requirements(settings, alone):
        raise ConfigError(f"{service_id} cannot be switched on here: {problem}")

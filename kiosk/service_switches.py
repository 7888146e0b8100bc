"""Switching services on and off on a running terminal, from its admin screen or from
`kiosk-admin services enable|disable` (which edit the config file the terminal watches).

The config file stays the one source of the local switches: the admin screen writes it the
same way the command line does, and both reach the running terminal by re-reading it. A
fleet's configuration, if any, still lies over the file's switches.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, load_settings, set_service_enabled

log = logging.getLogger(__name__)


class ServiceSwitches:
    def __init__(self, runtime: Any, config_path: Path | None) -> None:
        self._runtime = runtime
        self.config_path = config_path
        # Why the file's last edit was not applied ("" when it was): the panel shows it, so
        # staff learn the terminal still runs on its last good switches.
        self.problem = ""
        # The config watcher and the fleet link apply settings from their own threads: one at
        # a time, each computed from the newest file and fleet document under this lock, so
        # an apply computed before a switch can never land after it and undo it.
        self._lock = threading.RLock()

    def enabled_ids(self) -> set[str]:
        return {s.id for s in self._runtime.catalog.enabled()}

    def apply_central(self, document: Any) -> None:
        """A fleet's document, over the file's own switches."""
        with self._lock:
            self._runtime.central_document = document
            self._apply()

    def _apply(self) -> None:
        """The file's settings with the fleet's document over them, applied (lock held)."""
        runtime = self._runtime
        settings = runtime.base_settings
        document = getattr(runtime, "central_document", None)
        if document is not None:
            from kiosk.fleet_link.config_sync import merge_settings

            settings = merge_settings(settings, document)
        runtime.reconfigure(settings)

    def reload(self) -> tuple[set[str], set[str]]:
        """Apply the file's [services] switches now; (switched on, switched off)."""
        if self.config_path is None:
            return set(), set()
        with self._lock:
            return self._reload(self.config_path)

    def _reload(self, config_path: Path) -> tuple[set[str], set[str]]:
        runtime = self._runtime
        try:
            from_file = load_settings(config_path)
        except ConfigError as exc:  # a broken edit: keep serving with the switches we have
            log.warning("config file not applied, the last good switches stay: %s", exc)
            if str(exc) != self.problem:
                runtime.store.audit.record("config_rejected", "kept_last", actor="system",
                                           detail=str(exc)[:200])
            self.problem = str(exc)
            return set(), set()
        self.problem = ""
        if from_file.services == runtime.base_settings.services:
            return set(), set()
        before = self.enabled_ids()
        runtime.base_settings = runtime.base_settings.model_copy(
            update={"services": from_file.services})
        self._apply()
        after = self.enabled_ids()
        on, off = after - before, before - after
        if on or off:
            detail = f"on: {','.join(sorted(on))}; off: {','.join(sorted(off))}"
            runtime.store.audit.record("services_applied", "ok", actor="system",
                                       detail=detail[:200])
        return on, off

    def set_enabled(self, service_id: str, enabled: bool) -> None:
        """The admin screen's switch: written to the config file, audited, applied now."""
        if self.config_path is None:
            raise ConfigError("this terminal has no config file to keep the switch in")
        if service_id not in self._runtime.catalog:
            raise ConfigError(f"no service {service_id!r}")
        set_service_enabled(self.config_path, service_id, enabled)
        self._runtime.store.audit.record("service_switch", "on" if enabled else "off",
                                         actor="admin", detail=service_id)
        self.reload()

"""Central configuration: pulled when the heartbeat's answer names another hash, checked,
kept on disk (so a reboot with the link down still runs it), and applied without a restart.

The centre's document lies over the terminal's own settings: its service switches win over the
config file's and the terminal admin's, its hall phone replaces the file's when it names one.
`merge_settings` and `is_open` are pure.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from fleet.protocol import ConfigDocument, ConfigResponse, OpeningHours, config_hash
from kiosk.atomic_file import write_atomically
from kiosk.config import ConfigError, Settings, read_bounded_file

log = logging.getLogger(__name__)

FILE_NAME = "fleet-config.json"


def merge_settings(local: Settings, document: ConfigDocument) -> Settings:
    """The terminal's settings with the centre's document applied over them."""
    services = local.services.switched(document.services_enabled, document.services_disabled)
    update: dict[str, object] = {"services": services}
    if document.hall_phone:
        update["hall_phone"] = document.hall_phone
    return local.model_copy(update=update)


def is_open(hours: list[OpeningHours], now: datetime) -> bool:
    """Open at local time `now`? No hours at all means always open (a 24-hour terminal)."""
    if not hours:
        return True
    clock = f"{now:%H:%M}"
    weekday = now.isoweekday()
    return any(weekday in h.weekdays and h.opens <= clock < h.closes for h in hours)


def kept_document(data_dir: Path) -> ConfigDocument | None:
    """The centre's configuration as last pulled and kept in `data_dir`, if any."""
    path = data_dir / FILE_NAME
    try:
        # Bounded and never blocking: a FIFO or /dev/zero put here must not hang the start.
        return ConfigDocument.model_validate_json(read_bounded_file(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ConfigError) as exc:
        log.warning("%s unreadable, waiting for the centre: %s", path, exc)
        return None


class ConfigPort(Protocol):
    def config(self) -> ConfigResponse: ...


class ConfigSync:
    """Holds the applied document and its hash; `apply(document)` is the terminal's hook."""

    def __init__(self, data_dir: Path, apply: Callable[[ConfigDocument], None]) -> None:
        self._path = data_dir / FILE_NAME
        self._apply = apply
        self._lock = threading.Lock()
        self.applied_hash = ""
        self.document: ConfigDocument | None = None

    def load_kept(self) -> None:
        """Apply the document kept from the last pull, if any (at start-up)."""
        document = kept_document(self._path.parent)
        if document is not None:
            self._install(document)

    def sync(self, client: ConfigPort, wanted_hash: str) -> bool:
        """Pull and apply when the centre wants another configuration; True if applied."""
        if not wanted_hash or wanted_hash == self.applied_hash:
            return False
        return self.pull(client)

    def pull(self, client: ConfigPort) -> bool:
        """Pull, check and apply the centre's configuration now; True if applied."""
        answer = client.config()
        if config_hash(answer.document) != answer.hash:
            log.warning("fleet config revision %d does not match its hash; not applied",
                        answer.revision)
            return False
        self._install(answer.document)
        self._keep(answer.document)
        log.info("fleet config revision %d applied (%s)", answer.revision, answer.hash[:12])
        return True

    def _install(self, document: ConfigDocument) -> None:
        with self._lock:
            self._apply(document)
            self.document = document
            self.applied_hash = config_hash(document)

    def _keep(self, document: ConfigDocument) -> None:
        write_atomically(self._path, json.dumps(document.model_dump(mode="json"),
                                                ensure_ascii=False))

"""Whether the terminal serves, and why not. No Qt, no I/O: the runtime asks, and says.

Reasons come by source: the supervisor's start-up checks ("start"), the data dir watcher
("data_dir"), the store ("storage"), ...; a required device adds its own from its live
status. `ServiceReasons` keeps the sources' reasons and the last answer given, so that
listeners (the screens, systemd, a fleet's heartbeat) hear only changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from devices.status import DeviceClass, DeviceState, DeviceStatus

if TYPE_CHECKING:
    from kiosk.config import Settings

log = logging.getLogger(__name__)

ServiceListener = Callable[[bool, tuple[str, ...]], None]


def required_devices(settings: Settings) -> dict[DeviceClass, bool]:
    """The devices without which the terminal does not serve (one map for the decision and
    for the reasons it gives): the seal always, the others as configured."""
    return {
        DeviceClass.IDCARD_READER: settings.reader.required,
        DeviceClass.CAMERA: settings.camera.required,
        DeviceClass.PRINTER: settings.printer.required,
        DeviceClass.SEAL: True,
    }


def devices_ok(statuses: Iterable[DeviceStatus], required: dict[DeviceClass, bool]) -> bool:
    # A device still STARTING gets the benefit of the doubt: the terminal should not flash
    # "out of service" at every boot while the reader says hello.
    return all(s.ready or s.state is DeviceState.STARTING
               or not required.get(s.device_class, False) for s in statuses)


def device_reasons(statuses: Iterable[DeviceStatus],
                   required: dict[DeviceClass, bool]) -> list[str]:
    """One "device_class: detail" line per required device that cannot serve."""
    return [f"{s.device_class.value}: {s.detail or s.state.value}" for s in statuses
            if required.get(s.device_class, False) and not s.ready
            and s.state is not DeviceState.STARTING]


class ServiceReasons:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_source: dict[str, tuple[str, ...]] = {}
        self._listeners: list[ServiceListener] = []
        self._last: tuple[bool, tuple[str, ...]] | None = None

    def set(self, source: str, reasons: Iterable[str]) -> None:
        """A source's reasons (none: that source has no objection)."""
        reasons = tuple(reasons)
        with self._lock:
            if reasons:
                self._by_source[source] = reasons
            else:
                self._by_source.pop(source, None)

    def blocked(self) -> bool:
        with self._lock:
            return bool(self._by_source)

    def listed(self) -> list[str]:
        with self._lock:
            return [r for rs in self._by_source.values() for r in rs]

    def listen(self, listener: ServiceListener) -> None:
        self._listeners.append(listener)

    def changed(self, serving: bool, reasons: tuple[str, ...]) -> bool:
        """Record this answer; True when it differs from the last one given."""
        with self._lock:
            changed = self._last != (serving, reasons)
            self._last = (serving, reasons)
        return changed

    def tell(self, serving: bool, reasons: tuple[str, ...]) -> None:
        for listener in self._listeners:
            try:
                listener(serving, reasons)
            except Exception:
                log.exception("a service-state listener failed")

"""The running terminal as its fleet link sees it (kiosk.fleet_link.link.Terminal): what the
heartbeat reports, and the hook that applies a central configuration to it."""

from __future__ import annotations

from typing import Any

from devices.status import DeviceStatus
from fleet.protocol import ConfigDocument, config_hash
from kiosk import flow
from kiosk.fleet_link.registry import CentralFirstRegistry


class RuntimeTerminal:
    def __init__(self, runtime: Any) -> None:  # kiosk.runtime.Runtime
        self._runtime = runtime

    def status_publishers(self) -> list[Any]:
        return list(self._runtime.status_publishers())

    def fleet_snapshot(self) -> tuple[bool, str, list[DeviceStatus], bool]:
        """(in service, why not, every device, a citizen is using it now)."""
        runtime = self._runtime
        if runtime.ready.is_set():
            runtime._devices_changed()  # opening hours pass by with no device event
        statuses = runtime.device_statuses()
        state = runtime.runner.state
        # Start-up failures, a full disk, hours and devices: what the attendant panel shows.
        reason = "; ".join(runtime.out_of_service_reasons())
        if not reason and state.screen is flow.Screen.OUT_OF_SERVICE:
            reason = "out of service"
        return not reason, reason, statuses, bool(state.token)

    def idle(self) -> bool:
        """No citizen's session: the attract (or out-of-service) screen."""
        return not self._runtime.runner.state.token

    def self_test(self) -> list[str]:
        """The preflight checks, as at start (the drivers hold the devices and report their
        health live, so the device probes are left out): the failing checks' names."""
        from kiosk.preflight import Preflight, run_checks

        runtime = self._runtime
        findings = run_checks(Preflight(runtime.settings, catalog=runtime.catalog),
                              devices=False, blocking_only=True)
        return sorted({f.check for f in findings})

    def exit_hook(self) -> Any:
        return getattr(self._runtime, "request_exit", None)

    def staff_calls(self) -> Any:
        return self._runtime.staff_calls

    def apply_central_config(self, document: ConfigDocument) -> None:
        """The centre's document over the terminal's own file: services, hall phone, notices
        and opening hours change at once, with no restart."""
        runtime = self._runtime
        runtime.notices = tuple(document.notices)
        runtime.opening_hours = tuple(document.opening_hours)
        # Kept, so local switch edits are merged under it too; applied from the newest file.
        runtime.switches.apply_central(document)
        store = getattr(runtime, "store", None)
        if store is not None:  # the audit line goes to the centre as well
            store.audit.record("fleet_config", "applied", actor="system",
                               detail=config_hash(document)[:16])


def central_first_registry(runtime: Any) -> CentralFirstRegistry:
    """The verification page's registry: the centre (once the link is up), then local."""
    def central() -> Any:
        link = runtime.fleet_link
        return link.client if link is not None else None

    return CentralFirstRegistry(central, runtime.store.certificates)

"""The heartbeat: every N seconds, from a background thread, what the centre shows about this
terminal (version, uptime, in or out of service and why, every device, config, outbox).

`build_heartbeat` is pure; `HeartbeatLoop` only times the calls and hands the answer on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from devices.status import DeviceStatus
from fleet.protocol import DeviceStatusReport, Heartbeat, HeartbeatAck
from kiosk.fleet_link.client import LinkDown, LinkRefused
from services_catalog.model import mask_id_numbers_in

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TerminalSnapshot:
    """What the running terminal says about itself at one moment."""

    in_service: bool
    reason: str  # why it is out of service, plain language; "" in service
    devices: Sequence[DeviceStatus]
    in_session: bool
    config_hash: str
    outbox_length: int
    outbox_oldest_at: datetime | None


def device_reports(devices: Sequence[DeviceStatus]) -> tuple[list[DeviceStatusReport],
                                                               list[str]]:
    """Each device as the protocol shows it, and the names of those it cannot show yet (a
    device class newer than the protocol): one of them must not silence the heartbeat."""
    reports, unknown = [], []
    for device in devices:
        try:
            reports.append(DeviceStatusReport.model_validate(device.to_json()))
        except ValidationError:
            unknown.append(device.device_class.value)
    return reports, unknown


def build_heartbeat(terminal_id: str, snapshot: TerminalSnapshot, *, now: datetime,
                    app_version: str, uptime_s: float) -> Heartbeat:
    return Heartbeat(
        terminal_id=terminal_id, sent_at=now, app_version=app_version,
        uptime_s=max(0.0, uptime_s),
        state="in_service" if snapshot.in_service else "out_of_service",
        # A reason quoting a card's number must not stop the heartbeat nor reach the centre.
        reason="" if snapshot.in_service else mask_id_numbers_in(snapshot.reason),
        devices=device_reports(snapshot.devices)[0],
        config_hash=snapshot.config_hash, outbox_length=snapshot.outbox_length,
        outbox_oldest_at=snapshot.outbox_oldest_at, in_session=snapshot.in_session,
    )


class HeartbeatPort(Protocol):
    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck: ...


class HeartbeatLoop:
    """Sends `make()` every `interval_s` and passes each answer to `on_ack` (which may pull a
    new configuration). The centre may change the interval in its answer."""

    def __init__(self, client: HeartbeatPort, make: Callable[[], Heartbeat],
                 on_ack: Callable[[HeartbeatAck], None], interval_s: float) -> None:
        self._client = client
        self._make = make
        self._on_ack = on_ack
        self.interval_s = interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.link_up: bool | None = None  # None until the first attempt
        self.sent = 0

    def beat_once(self) -> HeartbeatAck | None:
        try:
            ack = self._client.heartbeat(self._make())
        except (LinkDown, LinkRefused) as exc:
            if self.link_up is not False:  # once per outage, not every 30 s all night
                log.warning("fleet heartbeat failed: %s", exc)
            self.link_up = False
            return None
        if self.link_up is False:
            log.info("fleet link is back")
        self.link_up = True
        self.sent += 1
        # The centre's word, within sane bounds: a bad answer must not make a busy loop.
        self.interval_s = min(max(ack.heartbeat_interval_s, 1.0), 3600.0)
        self._on_ack(ack)
        return ack

    def start(self) -> None:
        def run() -> None:
            while not self._stopping.is_set():
                try:
                    self.beat_once()
                except Exception:  # a bug must not end the heartbeat for good
                    log.exception("fleet heartbeat failed")
                self._stopping.wait(self.interval_s)

        self._thread = threading.Thread(target=run, name="fleet-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

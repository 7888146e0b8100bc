"""The running terminal's link to its fleet: heartbeat, configuration and outbox threads.

Started by the runtime when the config has a [fleet] section. Without an enrolment credential
it logs one line saying how to enrol and keeps the outbox filling (nothing is lost); it looks
for the credential again at every heartbeat interval, so `kiosk-admin fleet enrol` on a
running terminal takes effect without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Protocol

from fleet.protocol import ActionResult, ConfigDocument, Heartbeat, HeartbeatAck
from kiosk.config import Settings
from kiosk.fleet_link.client import FleetClient, LinkDown, LinkRefused
from kiosk.fleet_link.config_sync import ConfigSync
from kiosk.fleet_link.credential import FleetCredential, load_credential
from kiosk.fleet_link.heartbeat import (
    HeartbeatLoop,
    TerminalSnapshot,
    build_heartbeat,
    device_reports,
)
from kiosk.fleet_link.remote_actions import RemoteActions
from kiosk.fleet_link.sender import OutboxSender
from kiosk.store.outbox import DEVICE, Outbox

log = logging.getLogger(__name__)


def app_version() -> str:
    try:
        return metadata.version("gov-kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


class Terminal(Protocol):
    """What the link needs of the running terminal (kiosk.runtime.Runtime)."""

    def fleet_snapshot(self) -> tuple[bool, str, list[Any], bool]: ...
    def apply_central_config(self, document: ConfigDocument) -> None: ...
    def status_publishers(self) -> list[Any]: ...
    def idle(self) -> bool: ...  # no citizen in a session: remote actions may run
    def self_test(self) -> list[str]: ...  # the names of the failing preflight checks
    def exit_hook(self) -> Any: ...  # asks the application to exit cleanly; None: cannot
    def staff_calls(self) -> Any: ...  # kiosk.staff_calls.StaffCalls, or None


class FleetLink:
    def __init__(self, settings: Settings, terminal: Terminal, outbox: Outbox) -> None:
        assert settings.fleet is not None
        self._fleet = settings.fleet
        self._terminal_id = settings.terminal_id
        self._data_dir = settings.resolved_data_dir()
        self._terminal = terminal
        self._outbox = outbox
        self._started = time.monotonic()
        self.config = ConfigSync(self._data_dir, terminal.apply_central_config)
        self.client: FleetClient | None = None
        self.sender: OutboxSender | None = None
        self.heartbeat: HeartbeatLoop | None = None
        self._waiting: threading.Timer | None = None
        self._stopped = False
        self._unsubscribe: list[Any] = []
        self._unreported: set[str] = set()  # device classes the protocol cannot show
        self.actions = RemoteActions(self._data_dir, {
            "reload_config": self._reload_config, "self_test": self._self_test,
        }, terminal.idle, terminal.exit_hook())
        self._sent_results: list[ActionResult] = []
        # A staff call raised since the last answered heartbeat: sent even if the attendant
        # came before it went out, so the centre hears of every call.
        self._calls_raised = self._calls_sent = self._calls_heard = 0

    def start(self) -> None:
        self.prepare()
        self._connect()

    def prepare(self) -> None:
        """The kept configuration applied, device changes going to the outbox."""
        self.config.load_kept()
        for publisher in self._terminal.status_publishers():
            self._unsubscribe.append(publisher.subscribe(self._device_changed))
        calls = self._terminal.staff_calls()
        if calls is not None:
            calls.subscribe(self._staff_called)

    def _staff_called(self, _call: Any) -> None:
        self._calls_raised += 1

    def _staff_call_open(self) -> bool:
        calls = self._terminal.staff_calls()
        if self._calls_raised > self._calls_heard:
            return True
        return calls is not None and bool(calls.open_calls())

    def _connect(self) -> None:
        """Start the threads once there is a credential; until then look again now and then."""
        if self._stopped:
            return
        try:
            credential = load_credential(self._data_dir, self._fleet.url)
        except ValueError as exc:
            log.error("%s", exc)
            credential = None
        if credential is None:
            if self._waiting is None:
                log.warning("fleet: this terminal is not enrolled with %s; run "
                            "kiosk-admin fleet enrol (events are kept until then)",
                            self._fleet.url)
            self._waiting = threading.Timer(self._fleet.heartbeat_interval_s, self._connect)
            self._waiting.daemon = True
            self._waiting.start()
            return
        self.open(credential)
        assert self.sender is not None and self.heartbeat is not None
        self.sender.start()
        self.heartbeat.start()
        log.info("fleet: reporting to %s as %s", self._fleet.url, credential.terminal_id)

    def open(self, credential: FleetCredential, transport: Any = None) -> None:
        """Client, sender and heartbeat for `credential`, threads not started yet."""
        fleet = self._fleet
        self.client = FleetClient(fleet.url, credential.terminal_id, credential.secret,
                                  timeout_s=fleet.timeout_s, ca_file=fleet.ca_file,
                                  transport=transport)
        self.sender = OutboxSender(self._outbox, self.client, credential.terminal_id,
                                   batch_size=fleet.batch_size)
        self._outbox.on_commit = self.sender.notify
        self.heartbeat = HeartbeatLoop(self.client, self._make_heartbeat, self._on_ack,
                                       fleet.heartbeat_interval_s)

    def _make_heartbeat(self) -> Heartbeat:
        in_service, reason, devices, in_session = self._terminal.fleet_snapshot()
        unknown = set(device_reports(devices)[1]) - self._unreported
        if unknown:
            log.warning("fleet: the protocol cannot show device %s; left out of heartbeats",
                        ", ".join(sorted(unknown)))
            self._unreported |= unknown
        snapshot = TerminalSnapshot(
            in_service=in_service, reason=reason, devices=devices, in_session=in_session,
            config_hash=self.config.applied_hash, outbox_length=self._outbox.length(),
            outbox_oldest_at=self._outbox.oldest(),
        )
        self._sent_results = self.actions.report()
        self._calls_sent = self._calls_raised
        beat = build_heartbeat(self._terminal_id, snapshot, now=datetime.now(UTC),
                               app_version=app_version(),
                               uptime_s=time.monotonic() - self._started)
        return beat.model_copy(update={"actions_done": self._sent_results,
                                       "staff_call": self._staff_call_open()})

    def _on_ack(self, ack: HeartbeatAck) -> None:
        assert self.client is not None
        self._calls_heard = self._calls_sent  # later beats say whether a call is still open
        self.actions.acknowledged(self._sent_results)
        self._sent_results = []
        try:
            self.config.sync(self.client, ack.config_hash)
        except (LinkDown, LinkRefused) as exc:
            log.warning("fleet: configuration not pulled: %s", exc)
        if self.sender is not None and self._outbox.length():
            self.sender.notify()
        if ack.actions:
            self.actions.handle(ack.actions)

    def _reload_config(self) -> str:
        """Pull the centre's configuration now, even if the hashes agree."""
        assert self.client is not None
        if not self.config.pull(self.client):
            raise RuntimeError("the configuration did not match its hash; not applied")
        return f"configuration {self.config.applied_hash[:12]} applied"

    def _self_test(self) -> str:
        failing = self._terminal.self_test()
        if failing:
            raise RuntimeError("failing: " + ", ".join(failing))
        return "all checks passed"

    def _device_changed(self, status: Any) -> None:
        try:
            self._outbox.add(DEVICE, {"status": status.to_json()})
        except Exception:  # never let the link break a device's status update
            log.exception("fleet: device event not kept")

    def stop(self) -> None:
        self._stopped = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._waiting is not None:
            self._waiting.cancel()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.sender is not None:
            self.sender.stop()
        self._outbox.on_commit = None
        if self.client is not None:
            self.client.close()

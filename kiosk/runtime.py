"""The composition root without Qt: builds every part of the terminal from its settings.

`Runtime.build(settings, simulate=...)` wires devices (real or simulated), the catalog and its
adapters, the certificate engine and the store into one `SessionRunner`. The UI and the
command line use it the same way, and a test can drive a whole citizen session through it
with no screen. It also says whether the terminal serves (start-up, required devices, opening
hours, reasons from the supervisor and the store; the rules are `kiosk.serving`). The parts
themselves are built in `kiosk.parts`; the stand-ins of `--simulate` are `kiosk.simulation`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.status import CardPresence, DeviceStatus
from kiosk import flow
from kiosk.config import Settings
from kiosk.parts import (
    build_camera,
    build_face_verifier,
    build_issuer,
    build_printer,
    paper_verify_url,
    require_backends,
)
from kiosk.serving import (
    ServiceListener,
    ServiceReasons,
    device_reasons,
    devices_ok,
    required_devices,
)
from kiosk.session import SessionRunner
from kiosk.simulation import Simulation
from kiosk.staff_calls import staff_absent_hint

if TYPE_CHECKING:  # SQLAlchemy and Alembic load behind the attract screen, not before it
    from kiosk.store import Store

log = logging.getLogger(__name__)

DEMO_ATTENDANT_PIN = "246810"
DEMO_ADMIN_PIN = "135790"  # the demo's service switches on the terminal (admin screen)


class Runtime:
    """Everything a running terminal is made of.

    Construction is quick (settings, catalog, an unbound session runner) so the attract screen
    can show at once; `assemble()` brings up the store, devices, back-ends and certificate
    engine and binds them to the runner. `build()` does both, for tools and tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        simulate: bool = False,
        timeouts: flow.Timeouts | None = None,
        place_delay_s: float = 1.5,
        start_verify_web: bool = True,
        wall_clock: Callable[[], datetime] = datetime.now,
        housekeeping_interval_s: float = 60.0,
        config_path: Path | None = None,
    ) -> None:
        from services_catalog.catalog import load_catalog

        if simulate:
            settings = settings.model_copy(update={"demo": True})
        from kiosk.service_switches import ServiceSwitches
        from kiosk.switch_file import switch_file_path

        self.base_settings = settings  # the config file's own; the layers below lie over it
        # What a fleet's centre decides beyond the settings (kiosk.fleet_link.config_sync);
        # its document stays, so a local switch is merged under it again.
        self.central_document: Any = None
        # Local switches: the admin screen, and `kiosk-admin services enable|disable`.
        self.switches = ServiceSwitches(self, config_path, switch_file_path(settings))
        settings = self.switches.initial(settings)
        self.settings = settings
        self.simulate = simulate
        self._place_delay_s = place_delay_s
        self._start_web = start_verify_web
        self._housekeeping_interval_s = housekeeping_interval_s
        self.housekeeping: Any = None
        self._stoppers: list[Callable[[], None]] = []
        self.catalog = load_catalog(
            settings.services.extra_catalog_dirs, settings.service_enabled_override
        )
        for problem in self.catalog.problems:
            log.warning("catalog: %s", problem)
        self.runner = SessionRunner(
            timeouts=timeouts or flow.Timeouts(
                idle_s=settings.session.idle_timeout_s,
                elderly_idle_s=settings.session.elderly_idle_timeout_s,
                result_s=settings.session.result_timeout_s,
            ),
            language=settings.session.language,
            wall_clock=wall_clock,
            staff_absent=lambda now: staff_absent_hint(self.settings, now),
            serving=False,  # the attract screen reacts once start-up has passed (start())
        )
        from kiosk.staff_calls import StaffCalls

        self.staff_calls = StaffCalls(
            settings.terminal_id, lambda now: staff_absent_hint(self.settings, now) is None,
            clock=lambda: self.runner.wall_clock(),
        )
        self.ready = threading.Event()
        # Set by stop(): devices stopping then are the shutdown, not a failure to report.
        self._stopping = False
        # Why the terminal cannot serve, by source ("start", "data_dir", ...); devices add
        # theirs live. Listeners hear (serving, reasons) whenever that changes.
        self.service = ServiceReasons()
        self.simulation: Simulation | None = None
        self.verify_web: Any = None
        self.demo_trust_root: Path | None = None
        self.store: Store
        self.gateway: Any = None
        self.reader: Any = None
        self.camera: Any = None
        self.printer: Any = None
        self.desk: Any = None
        self.face_port: Any = None
        self.receipt: Any = None
        self.notices: tuple[Any, ...] = ()
        self.opening_hours: tuple[Any, ...] = ()
        self.config_listeners: list[Callable[[], None]] = []
        self.fleet_link: Any = None
        # Asks the application to leave cleanly (a remote restart_app; systemd starts it
        # again): set by the GUI before start(); None where nothing would restart it.
        self.request_exit: Callable[[], None] | None = None

    @classmethod
    def build(cls, settings: Settings, **kwargs: Any) -> Runtime:
        runtime = cls(settings, **kwargs)
        runtime.assemble()
        return runtime

    def assemble(self) -> None:
        from devices.idcard.reader import IdCardReader
        from kiosk.certificates import CertificateDesk
        from kiosk.data_mode import claim_data_dir
        from kiosk.housekeeping import Housekeeping, StorageHealth
        from kiosk.ports import (
            CameraFacePort,
            GatewayQueryPort,
            ReaderCardPort,
            ReceiptSlipPort,
        )
        from kiosk.store import Store
        from services_catalog.registry import QueryGateway, build_adapters

        settings, simulate = self.settings, self.simulate
        if not settings.demo:
            require_backends(settings, self.catalog)
        data_dir = settings.resolved_data_dir()
        data_dir.mkdir(parents=True, exist_ok=True)
        claim_data_dir(settings)
        stoppers = self._stoppers
        store = Store.open(
            settings.resolved_database_url(), data_dir, settings.terminal_id,
            key_env=settings.audit_key_env,
            pin_max_failures=settings.attendant.max_failures,
            pin_lockout=timedelta(seconds=settings.attendant.lockout_s),
            fleet_outbox=settings.fleet is not None,
            connect_timeout_s=settings.database_connect_timeout_s,
            job_retention=timedelta(days=settings.certificates.keep_unprinted_days),
            create_key=settings.demo,  # in service a lost key is a reason, never replaced
        )
        stoppers.append(store.close)
        if not settings.audit_key_env:  # a file key: no rotation while this terminal runs
            from kiosk.store.keys import KeyInUse

            stoppers.append(KeyInUse.hold(data_dir).release)
        self.store = store
        if settings.demo and not store.credentials.has("attendant"):
            store.credentials.set_pin("attendant", DEMO_ATTENDANT_PIN)
        if settings.demo and not store.credentials.has("admin"):
            store.credentials.set_pin("admin", DEMO_ADMIN_PIN)
        if settings.attendant.pin_hash and store.credentials.apply_config_hash(
                "attendant", settings.attendant.pin_hash):
            log.info("attendant PIN set from the config file (its pin_hash changed)")

        simulation = Simulation(place_delay_s=self._place_delay_s) if simulate else None

        # Back-ends: the demo back-end is a real HTTP service on loopback.
        demo_url = None
        if settings.demo:
            from services_catalog.demo_backend.server import DemoBackend

            backend = DemoBackend()
            demo_url = backend.start()
            stoppers.append(backend.stop)
            if simulation is not None:
                simulation.backend = backend
        self.gateway = QueryGateway(self.catalog,
                                    build_adapters(settings.backends, demo_base_url=demo_url))
        stoppers.append(self.gateway.close)

        # ID-card reader: the real driver, on a simulator's pseudo-terminal in simulation.
        port = settings.reader.port
        if simulate or port == "simulator":
            from devices.idcard.simulator import ReaderSimulator

            reader_sim = ReaderSimulator()
            port = reader_sim.start_pty()
            stoppers.append(reader_sim.stop)
            if simulation is None:
                simulation = Simulation(place_delay_s=self._place_delay_s)
            simulation.reader = reader_sim
        self.simulation = simulation
        self.reader = IdCardReader(port, settings.reader.baud,
                                   poll_interval_s=settings.reader.poll_interval_s, armed=False)
        if simulation is not None:
            reader = self.reader
            simulation.slot_busy = lambda: (reader.status.reader is not None and
                                            reader.status.reader.card is CardPresence.PRESENT)
        card_port = ReaderCardPort(
            self.reader,
            on_arm=simulation.place_card_soon if simulation is not None else None,
            on_disarm=simulation.cancel_card if simulation is not None else None,
        )

        self.camera, detector = build_camera(settings, simulate)
        capture_settings = None
        if simulate or settings.camera.source == "simulator":
            from devices.camera.liveness import Challenge
            from devices.camera.session import CaptureSettings

            # The simulated citizen blinks; a real one is asked to turn the head as well.
            capture_settings = CaptureSettings(challenges=(Challenge.BLINK,))
        self.face_port = CameraFacePort(
            self.camera, detector, build_face_verifier(settings, detector),
            settings=capture_settings,
        )
        self.printer = build_printer(settings, data_dir)
        from kiosk.seals import ArchiveUpkeep, build_seals

        self.seals = build_seals(settings, data_dir)
        stoppers.append(self.seals.stop)
        issuer, self.demo_trust_root = build_issuer(settings, store, data_dir, self.seals,
                                                    on_seal_failure=self._recheck_seals)
        upkeep = ArchiveUpkeep(self.seals, store.archive, store.certificates,
                               settings.certificates.timestamp_retry_s,
                               on_round=self._recheck_seals, audit=store.audit)
        upkeep.start()
        stoppers.append(upkeep.stop)
        self.seal_status = self.check_seals()
        self.receipt = None
        if settings.receipt.enabled:
            from devices.printer.receipt import ReceiptPrinter

            self.receipt = ReceiptPrinter.from_device_string(settings.receipt.device)
            stoppers.append(self.receipt.close)
        slip = ReceiptSlipPort(self.receipt, terminal_id=settings.terminal_id,
                               verify_url=paper_verify_url(settings),
                               clock=lambda: self.runner.wall_clock())
        self.desk = CertificateDesk(
            issuer=issuer, issuance=store.issuance, printer=self.printer,
            receipt=slip if self.receipt is not None else None,
        )
        from kiosk import malloc_arenas

        def session_ended(_reason: str) -> None:
            try:
                store.anchors.anchor("session_end")
            finally:  # after the session: a printed certificate's scratch memory is free now
                malloc_arenas.release_free_memory()

        stoppers.append(self.runner.on_session_end(session_ended))
        storage = StorageHealth(store, self.set_reasons)
        stoppers.append(self.runner.on_storage_failure(storage.write_failed))
        self.housekeeping = Housekeeping(store, interval_s=self._housekeeping_interval_s,
                                         storage=storage)
        stoppers.append(self.housekeeping.stop)
        self.runner.bind(
            card=card_port, face=self.face_port,
            query=GatewayQueryPort(self.gateway, lambda: self.runner.wall_clock()),
            certificates=self.desk, audit=store.audit,
        )
        if self._start_web:
            self._start_verify_web()

    def _start_verify_web(self) -> None:
        from urllib.parse import urlsplit

        from kiosk.verify_web import VerifyWebServer

        parts = urlsplit(self.settings.certificates.verify_url)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            return  # a central verification service answers; this terminal serves nothing
        try:
            web = VerifyWebServer(self._lookup_registry(), "127.0.0.1", parts.port or 80)
            web.start()
        except OSError as exc:
            log.warning("verification page not started: %s", exc)
            return
        self.verify_web = web
        self._stoppers.append(web.stop)

    def _lookup_registry(self) -> Any:
        """Where the verification page looks codes up: with a fleet, the centre first."""
        if self.settings.fleet is None:
            return self.store.certificates
        from kiosk.fleet_link.terminal import central_first_registry

        return central_first_registry(self)

    # ---- running ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the device workers and tell the flow whether the terminal can serve."""
        self.store.audit.record("terminal_start", "ok", actor="system",
                                detail="demo" if self.settings.demo else "")
        self.reader.start()
        self.camera.start()
        if hasattr(self.printer, "start"):
            self.printer.start()
        for publisher in self.status_publishers():
            publisher.subscribe(lambda _status: self._devices_changed())
        if self.settings.fleet is not None:
            from kiosk.fleet_link.link import FleetLink
            from kiosk.fleet_link.terminal import RuntimeTerminal

            self.fleet_link = FleetLink(self.settings, RuntimeTerminal(self), self.store.outbox)
            self.fleet_link.start()
            self._stoppers.append(self.fleet_link.stop)
        # Purges kept jobs past retention and anchors the audit chain now and every interval.
        self.housekeeping.start()
        self.staff_calls.subscribe(lambda call: self.store.audit.record(
            "staff_call", "raised", actor="citizen", detail=call.screen))
        self._stoppers.append(self.staff_calls.close)
        from kiosk.config_watch import ConfigWatcher

        watcher = ConfigWatcher(self.switches.watched_paths(), self.switches.reload)
        watcher.start()
        self.switches.reload()  # a switch written while the terminal was starting
        self._stoppers.append(watcher.stop)
        # Ready (READY=1, "in service") only once everything above has started: a failure
        # before this point abandons the start without a citizen ever having been let in.
        self.ready.set()
        self._devices_changed()

    def check_seals(self) -> DeviceStatus:
        """Token present, PIN accepted, seal certificates valid (warned 30 days ahead)."""
        from kiosk.seals import printable_seal_ids, seal_checks, seal_device_status

        checks = seal_checks(self.seals, self.settings, printable_seal_ids(self.catalog))
        for check in checks:
            if check.outcome != "ok":
                log.warning("seal check %s: %s", check.name, check.detail)
        status: DeviceStatus = seal_device_status(checks)
        return status

    def _recheck_seals(self) -> None:
        """A terminal runs for weeks: a seal certificate enters its warning window, or
        expires, while it does; the panel and the service state follow."""
        status = self.check_seals()
        if status != self.seal_status:
            self.seal_status = status
            if self.ready.is_set():
                self._devices_changed()

    def device_statuses(self) -> list[DeviceStatus]:
        if not self.ready.is_set():
            return []
        statuses = [self.reader.status, self.camera.status, self.printer.status_publisher.status]
        if self.receipt is not None:
            statuses.append(self.receipt.status_publisher.status)
        statuses.append(self.seal_status)
        return statuses

    def status_publishers(self) -> list[Any]:
        return [self.reader.status_publisher, self.camera.publisher,
                self.printer.status_publisher]

    # ---- serving or not (kiosk.serving) --------------------------------------------------
    def set_reasons(self, source: str, reasons: list[str] | tuple[str, ...]) -> None:
        """Say why the terminal cannot serve (empty: that source has no objection)."""
        self.service.set(source, reasons)
        self._devices_changed()

    def out_of_service_reasons(self) -> tuple[str, ...]:
        reasons = self.service.listed()
        if not self.ready.is_set() and not reasons:
            return ("starting",)
        if not self.open_now():
            reasons.append("outside opening hours")
        reasons += device_reasons(self.device_statuses(), required_devices(self.settings))
        return tuple(reasons)

    def on_service_change(self, listener: ServiceListener) -> None:
        self.service.listen(listener)

    def required_devices_ok(self) -> bool:
        return devices_ok(self.device_statuses(), required_devices(self.settings))

    def open_now(self) -> bool:
        if not self.opening_hours:
            return True  # a 24-hour terminal (and every terminal without a fleet)
        from kiosk.fleet_link.config_sync import is_open

        return is_open(list(self.opening_hours), self.runner.wall_clock())

    def _devices_changed(self) -> None:
        if self._stopping:
            return
        blocked = self.service.blocked()
        if not blocked and not self.ready.is_set():
            return  # still starting: the attract screen shows but does not react yet
        serving = self.ready.is_set() and not blocked and self.required_devices_ok() \
            and self.open_now()
        self.runner.dispatch(flow.DevicesChanged(serving))
        reasons = () if serving else self.out_of_service_reasons()
        if not self.service.changed(serving, reasons):
            return
        if serving:
            log.info("in service")
        else:
            log.error("out of service: %s", "; ".join(reasons))
        self.service.tell(serving, reasons)

    def abandon_start(self) -> None:
        """Undo a start that failed halfway, so that the next attempt begins clean."""
        self.ready.clear()
        for device in (self.reader, self.camera, self.printer, self.receipt):
            stop = getattr(device, "stop", None)
            if stop is not None:
                try:
                    stop()
                except Exception:
                    log.exception("stopping a device failed")
        self.reader = self.camera = self.printer = self.receipt = None
        stoppers, self._stoppers = self._stoppers, []
        for stop in reversed(stoppers):
            try:
                stop()
            except Exception:
                log.exception("shutdown step failed")

    def reconfigure(self, settings: Settings) -> None:
        """New settings for the running terminal (a fleet's configuration over the file's):
        the catalog everyone holds takes the new service switches in place, the hall phone
        and hours apply at once, and listeners (the screens) hear of it. No restart."""
        from services_catalog.catalog import load_catalog

        catalog = load_catalog(settings.services.extra_catalog_dirs,
                               settings.service_enabled_override)
        self.catalog.replace_with(catalog)
        self.settings = settings
        if self.ready.is_set():
            self._devices_changed()
        for listener in list(self.config_listeners):
            try:
                listener()
            except Exception:
                log.exception("reconfiguring: a listener failed")

    def stop(self) -> None:
        self._stopping = True
        self.runner.shutdown()
        devices = (self.reader, self.camera, self.printer)
        for stop in (getattr(device, "stop", None) for device in devices):
            if stop is not None:
                try:
                    stop()
                except Exception:
                    log.exception("stopping a device failed")
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("shutdown step failed")

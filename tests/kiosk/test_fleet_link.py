"""The terminal's fleet link without a server: the heartbeat's contents, the central
configuration applied to a running terminal without a restart, and the link's whole round
(heartbeat -> new hash -> pull -> apply -> reported) against the stand-in centre."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devices.status import (
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Paper,
    PrinterBlock,
    StatusPublisher,
)
from fleet.protocol import ConfigDocument, Notice, OpeningHours, config_hash
from kiosk.config import settings_from_mapping
from kiosk.fleet_link.config_sync import is_open, merge_settings
from kiosk.fleet_link.credential import FleetCredential, load_credential, save_credential
from kiosk.fleet_link.heartbeat import TerminalSnapshot, build_heartbeat
from kiosk.fleet_link.link import FleetLink
from kiosk.fleet_link.terminal import RuntimeTerminal
from kiosk.runtime import Runtime
from kiosk.store import Store
from tests.kiosk.fleet_fake import FakeCentre

PRINTER_LOW = DeviceStatus(DeviceClass.PRINTER, DeviceState.ONLINE,
                           printer=PrinterBlock(paper=Paper.LOW))
READER_OFF = DeviceStatus(DeviceClass.IDCARD_READER, DeviceState.OFFLINE, "unplugged")
FLEET = {"fleet": {"url": "http://centre.test", "heartbeat_interval_s": 5}}


def test_the_heartbeat_carries_every_device_in_the_one_status_model() -> None:
    snapshot = TerminalSnapshot(False, "idcard_reader: unplugged", [PRINTER_LOW, READER_OFF],
                                False, "ab" * 32, 3, datetime(2026, 11, 30, tzinfo=UTC))
    beat = build_heartbeat("T-1", snapshot, now=datetime.now(UTC), app_version="0.1.0",
                           uptime_s=12.5)
    assert beat.state == "out_of_service" and beat.reason == "idcard_reader: unplugged"
    assert [(d.device, d.state, d.paper) for d in beat.devices] == [
        ("printer", "online", "low"), ("idcard_reader", "offline", None)]
    assert (beat.config_hash, beat.outbox_length) == ("ab" * 32, 3)


def test_an_id_number_in_a_reason_or_device_text_never_reaches_the_centre() -> None:
    """The centre refuses a heartbeat quoting a number; the terminal masks its reason and
    leaves out a device whose text quotes one, so the heartbeat still goes."""
    import pytest
    from pydantic import ValidationError

    from fleet.protocol import ActionResult, DeviceStatusReport, Heartbeat

    leaky = DeviceStatus(DeviceClass.IDCARD_READER, DeviceState.ONLINE,
                         "card 410402198805201238 stuck")
    snapshot = TerminalSnapshot(False, "card 410403195608120028 stuck", [PRINTER_LOW, leaky],
                                False, "", 0, None)
    beat = build_heartbeat("T-1", snapshot, now=datetime.now(UTC), app_version="0.1.0",
                           uptime_s=1)
    assert "410403195608120028" not in beat.model_dump_json()
    assert "410402198805201238" not in beat.model_dump_json()
    assert beat.reason == "card 4104**********0028 stuck"
    sent = beat.model_dump(mode="json")
    for field, value in (("reason", "card 11010519491231002X"),
                         ("devices", [{**sent["devices"][0], "detail": "410425197311034513"}]),
                         ("actions_done", [{"id": 1, "outcome": "failed",
                                            "detail": "410425197311034513"}])):
        with pytest.raises(ValidationError):
            Heartbeat.model_validate({**sent, field: value})
    with pytest.raises(ValidationError):
        DeviceStatusReport.model_validate(leaky.to_json())
    assert ActionResult(id=1, outcome="ok", detail="4104**********4513")


def test_no_fleet_section_means_the_terminal_of_today() -> None:
    settings = settings_from_mapping({})
    assert settings.fleet is None
    assert settings.certificate_verify_url() == "http://127.0.0.1:8780/verify"
    runtime = Runtime(settings)
    assert runtime.fleet_link is None and runtime.open_now()
    with_fleet = settings_from_mapping(FLEET)
    assert with_fleet.certificate_verify_url() == "http://centre.test/verify"


def test_the_centres_document_lies_over_the_terminals_file() -> None:
    local = settings_from_mapping({"services": {"disabled": ["a", "b"], "enabled": ["c"]}})
    merged = merge_settings(local, ConfigDocument(services_enabled=["b"],
                                                  services_disabled=["c", "d"],
                                                  hall_phone="0371-12345"))
    assert merged.services.disabled == ("a", "c", "d")
    assert merged.services.enabled == ("b",)
    assert merged.hall_phone == "0371-12345"
    assert merge_settings(local, ConfigDocument()).hall_phone == local.hall_phone


def test_opening_hours() -> None:
    weekdays = [OpeningHours(weekdays=[1, 2, 3, 4, 5], opens="08:30", closes="18:00")]
    monday = datetime(2026, 11, 30)
    assert is_open([], monday)
    assert is_open(weekdays, monday.replace(hour=8, minute=30))
    assert not is_open(weekdays, monday.replace(hour=18))
    assert not is_open(weekdays, datetime(2026, 12, 5, 12))  # Saturday
    assert is_open([OpeningHours()], monday.replace(hour=23, minute=59))


def test_a_running_terminal_takes_a_new_configuration_without_a_restart() -> None:
    runtime = Runtime(settings_from_mapping(FLEET), start_verify_web=False)
    service = runtime.catalog.enabled()[0]
    catalog = runtime.catalog  # the object the screens and the gateway hold
    changed: list[str] = []
    runtime.config_listeners.append(lambda: changed.append(runtime.settings.hall_phone))
    terminal = RuntimeTerminal(runtime)
    terminal.apply_central_config(ConfigDocument(
        services_disabled=[service.id], hall_phone="0371-99999",
        notices=[Notice(zh="今晚 22:00 系统维护", en="Maintenance tonight at 22:00")],
        opening_hours=[OpeningHours(weekdays=[1], opens="00:00", closes="00:01")],
    ))
    assert runtime.catalog is catalog and service not in catalog.enabled()
    assert not catalog.get(service.id).enabled
    assert changed == ["0371-99999"]
    assert runtime.notices[0].zh == "今晚 22:00 系统维护"
    # What the session tells a citizen at night names the new phone (the runner's hook).
    hint = runtime.runner._staff_absent(datetime(2026, 12, 5, 12))  # type: ignore[misc]
    assert hint is not None and "0371-99999" in hint.zh
    terminal.apply_central_config(ConfigDocument())  # the centre lifts it again
    assert catalog.get(service.id).enabled and runtime.settings.hall_phone == "12345"


def test_the_credential_file_is_private(tmp_path: Path) -> None:
    credential = FleetCredential("T-1", "s3cret-s3cret", "north", "http://centre.test/")
    path = save_credential(tmp_path, credential)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_credential(tmp_path, "http://centre.test") == credential
    assert load_credential(tmp_path, "http://elsewhere.test") is None  # never sent elsewhere
    assert "s3cret" not in repr(credential)


class FakeTerminal:
    def __init__(self) -> None:
        self.printer = StatusPublisher(PRINTER_LOW)
        self.documents: list[ConfigDocument] = []

    def fleet_snapshot(self) -> tuple[bool, str, list[Any], bool]:
        return True, "", [self.printer.status], False

    def apply_central_config(self, document: ConfigDocument) -> None:
        self.documents.append(document)

    def status_publishers(self) -> list[Any]:
        return [self.printer]

    def idle(self) -> bool:
        return True

    def self_test(self) -> list[str]:
        return []

    def exit_hook(self) -> Any:
        return None

    def staff_calls(self) -> Any:
        return None


def test_heartbeat_pulls_applies_and_reports_the_new_configuration(tmp_path: Path) -> None:
    settings = settings_from_mapping({**FLEET, "data_dir": str(tmp_path)})
    store = Store.open(settings.resolved_database_url(), tmp_path, "T-1", fleet_outbox=True)
    centre = FakeCentre()
    terminal = FakeTerminal()
    link = FleetLink(settings, terminal, store.outbox)
    try:
        link.prepare()
        link.open(FleetCredential("T-1", centre.secret, "north", "http://centre.test"),
                  transport=centre.transport())
        assert link.heartbeat is not None and link.sender is not None
        link.heartbeat.beat_once()
        default_hash = config_hash(ConfigDocument())
        assert terminal.documents == [ConfigDocument()]  # nothing applied yet: pulled
        centre.document = ConfigDocument(hall_phone="0371-1", services_disabled=["x"])
        link.heartbeat.beat_once()
        link.heartbeat.beat_once()
        assert terminal.documents[-1] == centre.document and len(terminal.documents) == 2
        reported = [b.config_hash for b in centre.heartbeats]
        assert reported == ["", default_hash, config_hash(centre.document)]
        # A device event goes to the outbox and from there to the centre.
        terminal.printer.publish(PRINTER_LOW.with_state(DeviceState.HARDWARE_ERROR, "jam"))
        assert centre.heartbeats[-1].outbox_length == 0
        assert link.sender.drain(max_failures=2) == 1
        assert centre.counts[("device", "")] == 1
    finally:
        link.stop()
        store.close()
    # The pulled document is kept: after a restart it applies before the link is up.
    again = FakeTerminal()
    FleetLink(settings, again, store.outbox).config.load_kept()
    assert again.documents == [centre.document]


def test_the_paper_points_at_the_centres_public_page(tmp_path: Path) -> None:
    from kiosk.parts import paper_verify_url

    standalone = settings_from_mapping({"data_dir": str(tmp_path)})
    assert paper_verify_url(standalone) == standalone.certificates.verify_url
    fleet = settings_from_mapping({**FLEET, "data_dir": str(tmp_path)})
    assert paper_verify_url(fleet) == "http://centre.test/verify"  # before enrolment
    save_credential(tmp_path, FleetCredential("T-1", "s3cret-s3cret", "north",
                                              "http://centre.test",
                                              "https://verify.city.example/verify"))
    assert paper_verify_url(fleet) == "https://verify.city.example/verify"  # the centre's word
    own = settings_from_mapping({"data_dir": str(tmp_path), "fleet": {
        "url": "http://centre.test", "verify_url": "https://v.example/verify"}})
    assert paper_verify_url(own) == "https://v.example/verify"  # the config's, above all


def test_the_terminal_says_why_it_is_out_of_service() -> None:
    runtime = Runtime(settings_from_mapping(FLEET), start_verify_web=False)
    runtime.ready.set()
    statuses = [PRINTER_LOW, READER_OFF]
    runtime.device_statuses = lambda: statuses  # type: ignore[method-assign]
    terminal = RuntimeTerminal(runtime)
    in_service, reason, devices, in_session = terminal.fleet_snapshot()
    assert (in_service, reason) == (False, "idcard_reader: unplugged")
    assert devices == statuses and not in_session
    statuses[1] = READER_OFF.with_state(DeviceState.ONLINE)
    assert terminal.fleet_snapshot()[:2] == (True, "")
    terminal.apply_central_config(ConfigDocument(
        opening_hours=[OpeningHours(weekdays=[], opens="00:00", closes="00:01")]))
    assert terminal.fleet_snapshot()[:2] == (False, "outside opening hours")
    assert runtime.runner.state.screen.value == "out_of_service"  # the screen says so too


def test_fleet_commands_on_a_standalone_terminal_say_so_in_one_line(capsys: Any) -> None:
    from kiosk.cli import main

    for action in ("enrol", "status", "sync"):
        assert main(["fleet", action]) == 1
        err = capsys.readouterr().err.strip()
        assert err == "no [fleet] section in the config: this terminal runs on its own"


def test_a_device_the_protocol_cannot_show_does_not_silence_the_heartbeat() -> None:
    from kiosk.fleet_link.heartbeat import device_reports

    newer = DeviceStatus(DeviceClass.PRINTER, DeviceState.ONLINE)
    newer_json = newer.to_json()
    odd = type("Odd", (), {"to_json": lambda self: {**newer_json, "device": "scanner"},
                           "device_class": type("C", (), {"value": "scanner"})()})()
    reports, unknown = device_reports([PRINTER_LOW, odd])  # type: ignore[list-item]
    assert [r.device for r in reports] == ["printer"] and unknown == ["scanner"]
    seal = DeviceStatus(DeviceClass.SEAL, DeviceState.ONLINE)
    assert device_reports([seal])[1] == []  # the seal is in the protocol

"""Services switched on a running terminal: by the admin screen's desk and by
`kiosk-admin services disable` in another process, without a restart; audited. And calls
for staff by day and by night."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk import flow
from kiosk.attendant import AttendantDesk
from kiosk.config import Settings
from kiosk.config_watch import ConfigWatcher
from kiosk.flow import Screen
from kiosk.runtime import Runtime
from kiosk.staff_calls import StaffCalls
from kiosk.switch_file import FILE_NAME, read_switches, write_switch

from .test_cli import admin

SERVICE = "electricity.tiered_usage"  # card only, open around the clock
NOON = datetime(2026, 5, 4, 12, 0)  # a Monday


@pytest.fixture
def running(tmp_path: Path):
    config = tmp_path / "kiosk.toml"
    config.write_text("# the terminal's own file\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    rt = Runtime.build(settings, simulate=True, place_delay_s=0.2, start_verify_web=False,
                       wall_clock=lambda: NOON, config_path=config)
    rt.start()
    yield rt, config, tmp_path
    rt.stop()


def _wait(predicate, timeout_s: float = 15.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_the_command_line_reaches_the_running_terminal(running) -> None:
    rt, config, tmp_path = running
    held = rt.catalog.get(SERVICE)  # what a screen holds while the citizen decides
    assert held is not None and held.enabled
    env = {"GOV_KIOSK_CONFIG": str(config), "GOV_KIOSK_DATA_DIR": str(tmp_path / "data")}
    done = admin("services", "disable", SERVICE, env_extra=env)
    assert done.returncode == 0, done.stderr
    _wait(lambda: not rt.catalog.get(SERVICE).enabled)  # type: ignore[union-attr]
    assert SERVICE not in {s.id for s in rt.catalog.enabled()}
    # A citizen who chose it on a screen drawn before the switch is told it is off.
    rt.runner.dispatch(flow.ChooseService(held))
    state = rt.runner.wait_for(lambda s: s.screen in (Screen.ERROR, Screen.RESULT), 30)
    assert state.screen is Screen.ERROR and state.message is not None
    assert "暂停办理" in state.message.zh
    entries = {(e.action, e.actor) for e in rt.store.audit.entries(200)}
    assert ("services_applied", "system") in entries
    assert ("service_switch", "admin") in entries  # the command line's own line
    done = admin("services", "enable", SERVICE, env_extra=env)
    assert done.returncode == 0, done.stderr
    _wait(lambda: rt.catalog.get(SERVICE).enabled)  # type: ignore[union-attr]


def test_the_admin_screen_switches_at_once_and_keeps_it_in_the_data_dir(running) -> None:
    rt, config, tmp_path = running
    desk = AttendantDesk(rt)
    before = config.read_bytes()
    assert desk.set_service_enabled(SERVICE, False) is False
    assert not rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    assert config.read_bytes() == before  # /etc is read-only on a terminal in service
    assert read_switches(tmp_path / "data" / FILE_NAME).disabled == (SERVICE,)
    assert any(e.action == "service_switch" and e.outcome == "off" and e.detail == SERVICE
               for e in rt.store.audit.entries(50))
    assert desk.set_service_enabled(SERVICE, True) is True
    switches = {s.id: s.enabled for s in desk.services()}
    assert switches[SERVICE] and len(switches) == len(rt.catalog.services)


def test_the_switches_outlive_a_restart_and_lie_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[services]\ndisabled = ['{SERVICE}']\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    write_switch(tmp_path / "data" / FILE_NAME, SERVICE, True)  # the admin's, before a reboot
    rt = Runtime.build(settings, simulate=True, start_verify_web=False, config_path=config)
    try:
        assert rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    finally:
        rt.stop()


def test_the_admin_learns_when_the_centre_holds_a_service(running) -> None:
    from fleet.protocol import ConfigDocument

    rt, _, _ = running
    rt.switches.apply_central(ConfigDocument(services_disabled=[SERVICE]))
    desk = AttendantDesk(rt)
    assert desk.set_service_enabled(SERVICE, True) is False  # kept here, held off there
    assert read_switches(rt.switches.switch_path).enabled == (SERVICE,)
    rt.switches.apply_central(ConfigDocument())  # the centre lets go: the local switch rules
    assert rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]


def test_a_broken_edit_keeps_the_last_switches(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("", encoding="utf-8")
    seen: list[int] = []
    switches = tmp_path / FILE_NAME
    watcher = ConfigWatcher([config, switches], lambda: seen.append(1))
    assert not watcher.check()
    config.write_text("[services]\ndisabled = ['x']\n", encoding="utf-8")
    assert watcher.check() and seen == [1]
    assert not watcher.check()
    write_switch(switches, "x", True)  # a file that did not exist yet counts too
    assert watcher.check() and seen == [1, 1]


def test_staff_calls_by_day_and_none_at_night() -> None:
    now = [datetime(2026, 5, 4, 10, 0)]  # Monday morning
    calls = StaffCalls("T-1", on_duty=lambda t: t.weekday() < 5 and 9 <= t.hour < 17,
                       clock=lambda: now[0])
    heard: list[str] = []
    calls.subscribe(lambda call: heard.append(call.screen))
    call = calls.ring("error", "zh")
    assert call is not None and call.terminal_id == "T-1"
    assert [c.id for c in calls.open_calls()] == [call.id]
    now[0] = datetime(2026, 5, 4, 23, 0)
    assert calls.ring("print_kept", "en") is None
    assert calls.answer_all() == 1 and calls.open_calls() == []
    calls.close()  # delivers what is queued
    assert heard == ["error"]


def test_a_call_returns_at_once_while_its_listeners_write_elsewhere() -> None:
    """The caller is the screen's thread: a slow audit write must not freeze it."""
    calls = StaffCalls("T-1", on_duty=lambda t: True)
    release, threads = threading.Event(), []

    def slow_write(call) -> None:  # noqa: ANN001
        threads.append(threading.current_thread())
        release.wait(2)

    calls.subscribe(slow_write)
    assert calls.ring("error", "zh") is not None  # returns with the write still blocked
    assert calls.open_calls()
    release.set()
    _wait(lambda: threads)
    assert threads[0] is not threading.current_thread()
    calls.close()


def test_a_call_in_staff_hours_reaches_the_panel_and_the_audit_log(running) -> None:
    rt, _, _ = running
    desk = AttendantDesk(rt)
    call = rt.staff_calls.ring("print_kept", "zh")  # Monday noon: staff are on duty
    assert call is not None and [c.id for c in desk.open_calls()] == [call.id]
    _wait(lambda: any(e.action == "staff_call" for e in rt.store.audit.entries(50)))
    assert any(e.action == "staff_call" and e.outcome == "raised" and e.detail == "print_kept"
               for e in rt.store.audit.entries(50))
    assert desk.answer_calls() == 1 and desk.open_calls() == []


def test_the_panel_counts_todays_sessions(running) -> None:
    rt, _, _ = running
    desk = AttendantDesk(rt)
    before = desk.sessions_today()
    rt.runner.dispatch(flow.Touch())
    rt.runner.dispatch(flow.Finish())
    _wait(lambda: desk.sessions_today() == before + 1)


def test_a_running_terminal_keeps_its_switches_when_the_file_breaks_and_says_so(running) -> None:
    rt, config, _ = running
    desk = AttendantDesk(rt)
    config.write_text(f"[services]\ndisabled = ['{SERVICE}']\n", encoding="utf-8")
    rt.switches.reload()
    assert not rt.catalog.get(SERVICE).enabled and desk.config_problem() == ""  # type: ignore[union-attr]
    config.write_text("[services\ndisabled = ", encoding="utf-8")  # an editor saved half
    rt.switches.reload()
    rt.switches.reload()
    assert not rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    assert "not valid TOML" in desk.config_problem()
    rejected = [e for e in rt.store.audit.entries(100) if e.action == "config_rejected"]
    assert len(rejected) == 1  # once per problem, not once per look
    config.write_text("", encoding="utf-8")
    rt.switches.reload()
    assert rt.catalog.get(SERVICE).enabled and desk.config_problem() == ""  # type: ignore[union-attr]


def test_a_fleet_apply_never_undoes_a_switch_made_while_it_ran(running) -> None:
    """The fleet thread applies the centre's document while `services disable` lands from the
    config watcher: whatever the order, the switch stays off and is audited once."""
    from fleet.protocol import ConfigDocument
    from kiosk.fleet_link.terminal import RuntimeTerminal

    rt, _, _ = running
    reconfigure, switched = rt.reconfigure, []

    def slow_reconfigure(settings) -> None:  # noqa: ANN001
        if threading.current_thread().name == "fleet" and not switched:
            # The admin's switch comes in while the fleet's settings are being applied.
            write_switch(rt.switches.switch_path, SERVICE, False)
            edit = threading.Thread(target=rt.switches.reload)
            switched.append(edit)
            edit.start()
            edit.join(1.0)  # it waits for the fleet's apply (or, unguarded, overtakes it)
        reconfigure(settings)

    rt.reconfigure = slow_reconfigure  # type: ignore[method-assign]
    fleet = threading.Thread(target=RuntimeTerminal(rt).apply_central_config,
                             args=(ConfigDocument(),), name="fleet")
    fleet.start()
    fleet.join(30)
    switched[0].join(30)
    assert not rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    rt.switches.reload()  # nothing new in the file: nothing applied, nothing audited again
    applied = [e for e in rt.store.audit.entries(200) if e.action == "services_applied"]
    assert len(applied) == 1


def test_a_broken_switch_file_keeps_the_last_switches_and_says_so(running) -> None:
    rt, _, _ = running
    desk = AttendantDesk(rt)
    desk.set_service_enabled(SERVICE, False)
    rt.switches.switch_path.write_text("disabled = [", encoding="utf-8")  # a disk error
    rt.switches.reload()
    assert not rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    assert FILE_NAME in desk.config_problem() and "not valid TOML" in desk.config_problem()
    rt.switches.switch_path.unlink()  # the maintenance team removes it
    rt.switches.reload()
    assert rt.catalog.get(SERVICE).enabled and desk.config_problem() == ""  # type: ignore[union-attr]


def test_a_terminal_in_service_refuses_to_offer_a_service_it_cannot_serve(running) -> None:
    """Switched on without its back-end, every citizen choosing it would fail and the next
    start would refuse the whole terminal: the switch is refused, naming what is missing."""
    from kiosk.config import ConfigError

    rt, _, _ = running
    desk = AttendantDesk(rt)
    desk.set_service_enabled(SERVICE, False)
    rt.base_settings = rt.base_settings.model_copy(update={"demo": False})
    with pytest.raises(ConfigError, match="backends.electricity.base_url"):
        desk.set_service_enabled(SERVICE, True)
    assert read_switches(rt.switches.switch_path).disabled == (SERVICE,)
    assert not rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
    desk.set_service_enabled(SERVICE, False)  # switching off is always allowed


def test_a_broken_switch_file_at_start_leaves_the_terminal_serving(tmp_path: Path) -> None:
    """At night nobody can repair it: the terminal serves on the config file's switches, the
    panel says why, and the audit log has it once."""
    from kiosk.supervisor import Supervisor

    data = tmp_path / "data"
    data.mkdir()
    (data / FILE_NAME).write_bytes(b"\xff\xfe garbage")
    settings = Settings(data_dir=data)
    rt = Runtime.build(settings, simulate=True, start_verify_web=False, wall_clock=lambda: NOON)
    supervisor = Supervisor(rt, retry=False)
    try:
        supervisor.start()
        _wait(lambda: supervisor.started.is_set() or supervisor.failure is not None, 60)
        assert supervisor.failure is None and rt.ready.is_set()
        assert rt.catalog.get(SERVICE).enabled  # type: ignore[union-attr]
        assert "UTF-8" in AttendantDesk(rt).config_problem()
        rt.switches.reload()
        rejected = [e for e in rt.store.audit.entries(100) if e.action == "config_rejected"]
        assert len(rejected) == 1 and FILE_NAME in rejected[0].detail
    finally:
        supervisor.stop()
        rt.stop()


def test_an_edit_in_place_of_the_same_size_and_time_is_seen(tmp_path: Path) -> None:
    """An editor that writes over the file in place (same inode), or `cp -p`, within the
    clock's tick: size and modification time stay; the watcher must still see new contents."""
    switches = tmp_path / FILE_NAME
    switches.write_text(f"enabled = []\ndisabled = ['{SERVICE}']\n", encoding="utf-8")
    before = switches.stat()
    seen: list[int] = []
    watcher = ConfigWatcher([switches], lambda: seen.append(1))
    with switches.open("r+", encoding="utf-8") as out:  # the admin's switch undone, in place
        out.write(f"enabled = ['{SERVICE}']\ndisabled = []\n")
    os.utime(switches, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = switches.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    assert watcher.check() and seen == [1]
    assert not watcher.check()


def test_a_normal_stop_is_not_logged_as_out_of_service(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    """Stopping the terminal stops its devices first: that is not a failure, and an ERROR
    line at every restart would wake whoever watches the journal for nothing."""
    import logging

    rt = Runtime.build(Settings(data_dir=tmp_path / "data"), simulate=True,
                       start_verify_web=False)
    rt.start()
    _wait(rt.required_devices_ok)
    with caplog.at_level(logging.INFO, logger="kiosk.runtime"):
        rt.stop()
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]

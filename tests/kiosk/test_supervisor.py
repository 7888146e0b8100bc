"""A terminal that cannot serve says so and never shows a live attract screen; it comes back
by itself when the cause is fixed; free space is watched while it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import flow
from kiosk.config import Settings, load_settings
from kiosk.flow import Screen
from kiosk.runtime import Runtime
from kiosk.sdnotify import Notifier
from kiosk.supervisor import Supervisor
from tests.kiosk.notify_socket import NotifySocket
from tests.kiosk.service_setup import service_terminal

FAST = {"retry_min_s": 0.2, "retry_max_s": 0.4, "check_interval_s": 0.2}


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


def _run(settings: Settings, systemd: NotifySocket, simulate: bool = True):
    runtime = Runtime(settings, simulate=simulate, start_verify_web=False, place_delay_s=0.2)
    supervisor = Supervisor(runtime, Notifier(address=str(systemd.path)))
    return runtime, supervisor


def test_before_start_up_has_passed_the_attract_screen_does_not_react() -> None:
    state = flow.SessionState(devices_ok=False)
    after, effects = flow.step(state, flow.Touch(), 0.0, flow.Timeouts())
    assert after.screen is Screen.ATTRACT and not after.token and effects == []


def test_a_failed_start_is_out_of_service_with_its_reason_and_recovers(
        tmp_path: Path, systemd: NotifySocket) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.sqlite3").write_bytes(b"not a database at all" * 200)
    settings = Settings(data_dir=data, health=FAST)
    runtime, supervisor = _run(settings, systemd)
    runner = runtime.runner
    supervisor.start()
    try:
        runner.wait_for(lambda s: s.screen is Screen.OUT_OF_SERVICE, 30)
        reasons = runtime.out_of_service_reasons()
        assert len(reasons) == 1 and reasons[0].startswith("database:"), reasons
        status = systemd.wait_for(lambda m: m.startswith("STATUS=out of service"))
        assert "database:" in status
        runner.dispatch(flow.Touch())
        assert runner.state.screen is Screen.OUT_OF_SERVICE and not runner.state.token
        assert not any("READY=1" in m for m in systemd.drain())
        attempts = supervisor.attempts
        systemd.wait_for(lambda m: m.startswith("STATUS=out of service"))  # it keeps trying
        assert supervisor.attempts > attempts or supervisor.attempts >= 2

        (data / "kiosk.sqlite3").unlink()  # the technician moves the broken file away
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT and s.devices_ok, 60)
        ready = systemd.wait_for(lambda m: "READY=1" in m)
        assert "STATUS=in service" in ready
        assert runtime.out_of_service_reasons() == ()
        runner.dispatch(flow.Touch())
        assert runner.state.screen is Screen.HOME
    finally:
        supervisor.stop()
        runtime.stop()


def test_low_free_space_takes_the_terminal_out_before_the_next_session(
        tmp_path: Path, systemd: NotifySocket, monkeypatch) -> None:
    settings = Settings(data_dir=tmp_path / "data", health=FAST)
    runtime, supervisor = _run(settings, systemd)
    runner = runtime.runner
    supervisor.start()
    try:
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT and s.devices_ok, 60)
        systemd.wait_for(lambda m: "READY=1" in m)
        runner.dispatch(flow.Touch())  # a citizen is using the terminal
        assert runner.state.screen is Screen.HOME

        def full(directory: Path, floor_mb: int) -> Iterator[str]:
            yield f"{directory} has 3 MB free, below the floor of {floor_mb} MB"

        monkeypatch.setattr("kiosk.supervisor.free_space_problem", full)
        status = systemd.wait_for(lambda m: m.startswith("STATUS=out of service"), 10)
        assert "data_dir:" in status and "3 MB free" in status
        assert runner.state.screen is Screen.HOME  # the citizen's session is not cut off
        runner.dispatch(flow.Finish())
        assert runner.state.screen is Screen.OUT_OF_SERVICE
        runner.dispatch(flow.Touch())
        assert not runner.state.token  # no new session on a full disk

        monkeypatch.setattr("kiosk.supervisor.free_space_problem", lambda d, f: iter(()))
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
        systemd.wait_for(lambda m: m == "STATUS=in service", 10)
    finally:
        supervisor.stop()
        runtime.stop()


def test_free_space_is_looked_at_again_as_each_session_ends(
        tmp_path: Path, systemd: NotifySocket, monkeypatch) -> None:
    slow = {**FAST, "check_interval_s": 300}  # the periodic look will not come in this test
    runtime, supervisor = _run(Settings(data_dir=tmp_path / "data", health=slow), systemd)
    runner = runtime.runner
    supervisor.start()
    try:
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT and s.devices_ok, 60)
        assert supervisor.started.wait(30)  # its look at start-up is done
        runner.dispatch(flow.Touch())
        monkeypatch.setattr("kiosk.supervisor.free_space_problem",
                            lambda d, f: iter([f"{d} has 1 MB free"]))
        runner.dispatch(flow.Finish())
        runner.wait_for(lambda s: s.screen is Screen.OUT_OF_SERVICE, 10)
        assert any(r.startswith("data_dir:") for r in runtime.out_of_service_reasons())
    finally:
        supervisor.stop()
        runtime.stop()


def test_a_lost_terminal_key_is_a_reason_never_a_new_key(
        tmp_path: Path, systemd: NotifySocket, monkeypatch) -> None:
    terminal = service_terminal(tmp_path)
    text = terminal.text().replace('audit_key_env = "GOV_KIOSK_AUDIT_KEY"', "")
    terminal.write(text.replace("retry_min_s = 2 ", "retry_min_s = 0.2 ")
                   .replace("retry_max_s = 60", "retry_max_s = 0.4"))
    for name, value in terminal.env.items():
        monkeypatch.setenv(name, value)
    runtime, supervisor = _run(load_settings(terminal.config), systemd, simulate=False)
    runner = runtime.runner
    supervisor.start()
    try:
        runner.wait_for(lambda s: s.screen is Screen.OUT_OF_SERVICE, 30)
        (reason,) = runtime.out_of_service_reasons()
        assert reason.startswith("terminal_key:") and "keys init" in reason
        systemd.wait_for(lambda m: "terminal.key is missing" in m)
        assert not (terminal.data_dir / "terminal.key").exists()

        from kiosk.cli import main as admin

        assert admin(["--config", str(terminal.config), "keys", "init"]) == 0
        runner.wait_for(lambda s: s.screen is Screen.ATTRACT and s.devices_ok, 60)
        systemd.wait_for(lambda m: "READY=1" in m)
    finally:
        supervisor.stop()
        runtime.stop()


def test_a_start_failing_late_never_declared_ready_and_leaves_no_hooks_behind(
        tmp_path: Path, systemd: NotifySocket, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step of start-up fails once: READY=1 / "in service" must not have been sent
    before it, and the retry must not add a second set of session-end hooks."""
    from kiosk.housekeeping import Housekeeping

    real, failures = Housekeeping.start, []

    def fail_once(self) -> None:
        if not failures:
            # What had been said by the moment start-up fails.
            failures.append((runtime.ready.is_set(), list(systemd.drain())))
            raise RuntimeError("housekeeping could not start")
        real(self)

    monkeypatch.setattr(Housekeeping, "start", fail_once)
    runtime, supervisor = _run(Settings(data_dir=tmp_path / "data", health=FAST), systemd)
    runner = runtime.runner
    supervisor.start()
    try:
        ready = systemd.wait_for(lambda m: "READY=1" in m)
        assert "STATUS=in service" in ready
        (was_ready, said), = failures  # the first start did fail...
        assert not was_ready and not any("READY=1" in m or "in service" in m.split("STATUS=")[-1]
                                         and "out of" not in m for m in said), said
        runtimes = [h for h in runner._session_end_hooks if "Runtime" in h.__qualname__]
        assert len(runtimes) == 1 and len(runner._storage_failure_hooks) == 1, (
            runner._session_end_hooks, runner._storage_failure_hooks)
    finally:
        supervisor.stop()
        runtime.stop()


def test_a_seal_that_fails_while_serving_is_out_of_service_with_its_reason(
        tmp_path: Path) -> None:
    """Token pulled, seal revoked or expired at 3 a.m.: the screen, the panel, the log and
    systemd say which seal, not an out of service with no reason."""
    from devices.status import DeviceClass, DeviceState, DeviceStatus

    runtime = Runtime.build(Settings(data_dir=tmp_path / "data"), simulate=True,
                            start_verify_web=False, place_delay_s=0.2)
    try:
        runtime.start()
        runtime.runner.wait_for(lambda s: s.screen is Screen.ATTRACT and s.devices_ok, 30)
        revoked = DeviceStatus(DeviceClass.SEAL, DeviceState.HARDWARE_ERROR,
                               "seal hrss: seal certificate revoked")
        runtime.check_seals = lambda: revoked  # type: ignore[method-assign]
        runtime._recheck_seals()
        assert runtime.runner.state.screen is Screen.OUT_OF_SERVICE
        assert "seal: seal hrss: seal certificate revoked" in runtime.out_of_service_reasons()
    finally:
        runtime.stop()

"""Remote actions and staff calls between a terminal (the real Runtime, simulated devices) and
the real central service (uvicorn on the private PostgreSQL): queued as the console queues
them, run once at the attract screen, reported, and shown done by the console."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fleet.console import actions as console_actions
from fleet.console.alerts import AlertEngine
from fleet.console.detail import terminal_page
from fleet.console.models import Alert
from fleet.db.engine import make_engine, session_factory
from fleet.settings import FleetSettings
from kiosk import flow
from kiosk.fleet_link.credential import load_credential
from kiosk.fleet_link.link import FleetLink
from kiosk.fleet_link.terminal import RuntimeTerminal
from tests.fleet.conftest import (  # noqa: F401 (fixtures)
    LiveServer,
    add_terminal,
    app,
    clock,
    free_loopback_socket,
    live_server,
    settings,
)
from tests.kiosk.pg_server import postgres_server, postgres_url  # noqa: F401 (fixtures)
from tests.kiosk.test_fleet_end_to_end import enrolled, wait_for

OFFICE_HOURS = datetime(2026, 11, 30, 10, 0)  # a Monday morning: staff are on duty


class Centre:
    def __init__(self, settings: FleetSettings) -> None:  # noqa: F811
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = session_factory(self.engine)

    def queue(self, action: str) -> int:
        """As the console's button does."""
        with self.sessions() as session:
            row = console_actions.queue(session, "T-A", action, "wang", self.settings.clock())
            session.commit()
            return row.id

    def shown(self) -> dict[int, tuple[str, str, str]]:
        """The console's terminal page: each action's (action, outcome, detail) once done."""
        with self.sessions() as session:
            page = terminal_page(session, "T-A", self.settings.clock(), 30)
            assert page is not None
            return {a.id: (a.action, a.outcome, a.detail) for a in page.actions
                    if a.done_at is not None}

    def staff_alert(self) -> bool:
        AlertEngine(self.sessions, self.settings.clock).evaluate()
        with self.sessions() as session:
            return session.scalar(select(Alert.id).where(
                Alert.terminal_id == "T-A", Alert.rule == "staff_call",
                Alert.fired_at.is_not(None), Alert.closed_at.is_(None))) is not None


@pytest.fixture
def centre(settings: FleetSettings) -> Iterator[Centre]:  # noqa: F811
    c = Centre(settings)
    yield c
    c.engine.dispose()


@pytest.fixture
def terminal(tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from kiosk.runtime import Runtime

    t = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    runtime = Runtime.build(t.settings, simulate=True, start_verify_web=False,
                            wall_clock=lambda: OFFICE_HOURS)
    runtime.exits = []
    runtime.request_exit = lambda: runtime.exits.append("exit")  # never the test's own exit
    runtime.runner.dispatch(flow.DevicesChanged(True))  # at the attract screen, serving
    runtime.url = live_server.url
    try:
        yield runtime
    finally:
        runtime.staff_calls.close()
        runtime.stop()


def link_for(runtime: Any) -> FleetLink:
    """The terminal's fleet link, threads not started: each heartbeat is the test's."""
    link = FleetLink(runtime.settings, RuntimeTerminal(runtime), runtime.store.outbox)
    link.prepare()
    credential = load_credential(runtime.settings.resolved_data_dir(), runtime.url)
    assert credential is not None
    link.open(credential)
    return link


def beat(link: FleetLink) -> None:
    assert link.heartbeat is not None and link.heartbeat.beat_once() is not None


def test_each_action_runs_once_at_the_attract_screen_and_the_console_shows_it_done(
    terminal: Any, centre: Centre,
) -> None:
    link = link_for(terminal)
    try:
        beat(link)  # the configuration the centre wants, applied
        reload_id, test_id = centre.queue("reload_config"), centre.queue("self_test")
        terminal.runner.dispatch(flow.Touch())  # a citizen starts a session
        assert terminal.runner.state.token
        beat(link)
        assert link.actions.report() == [] and centre.shown() == {}  # it waits
        terminal.runner.dispatch(flow.Finish())
        beat(link)  # handed over again, run now
        assert {r.id for r in link.actions.report()} == {reload_id, test_id}
        beat(link)  # reported
        shown = centre.shown()
        assert shown[reload_id][:2] == ("reload_config", "ok")
        assert shown[reload_id][2].startswith("configuration ")
        assert shown[test_id] == ("self_test", "ok", "all checks passed")
        assert link.actions.report() == []
        beat(link)  # nothing runs twice, nothing is reported twice
        assert link.actions.report() == [] and len(link.actions.book.started) == 2
    finally:
        link.stop()


def test_a_failing_self_test_names_the_failing_checks(terminal: Any, centre: Centre) -> None:
    link = link_for(terminal)
    try:
        beat(link)  # the centre's configuration, applied over the file's settings
        # The operator pointed the audit key at an environment variable that is not set.
        terminal.settings = terminal.settings.model_copy(
            update={"audit_key_env": "KIOSK_NO_SUCH_AUDIT_KEY"})
        test_id = centre.queue("self_test")
        beat(link)
        beat(link)
        assert centre.shown()[test_id] == ("self_test", "failed", "failing: audit_key")
    finally:
        link.stop()


def test_a_restart_between_receipt_and_report_does_not_run_it_twice(
    terminal: Any, centre: Centre,
) -> None:
    link = link_for(terminal)
    beat(link)
    test_id = centre.queue("self_test")
    runs: list[int] = []
    terminal_self_test = RuntimeTerminal.self_test

    def counted(self: RuntimeTerminal) -> list[str]:
        runs.append(1)
        return terminal_self_test(self)

    RuntimeTerminal.self_test = counted  # type: ignore[method-assign]
    try:
        beat(link)  # received and run; the report has not gone yet
        assert runs == [1]
        link.stop()  # the terminal restarts before its next heartbeat
        again = link_for(terminal)
        try:
            beat(again)  # the centre hands it over again: reported, not run
            assert runs == [1]
            assert centre.shown()[test_id][:2] == ("self_test", "ok")
        finally:
            again.stop()
    finally:
        RuntimeTerminal.self_test = terminal_self_test  # type: ignore[method-assign]


def test_restart_app_is_reported_done_before_the_exit_is_asked_for(
    terminal: Any, centre: Centre,
) -> None:
    link = link_for(terminal)
    try:
        restart_id = centre.queue("restart_app")
        beat(link)
        assert terminal.exits == []  # done, but the centre does not know yet
        beat(link)
        assert centre.shown()[restart_id][:2] == ("restart_app", "ok")
        assert terminal.exits == ["exit"]
    finally:
        link.stop()


def test_a_staff_call_on_the_terminal_is_an_alert_at_the_centre(
    terminal: Any, centre: Centre,
) -> None:
    link = link_for(terminal)
    try:
        beat(link)
        assert not centre.staff_alert()
        assert terminal.staff_calls.ring("home", "zh") is not None
        wait_for(lambda: link._calls_raised == 1, "the call to reach the link")
        terminal.staff_calls.answer_all()  # the attendant came before the heartbeat went
        beat(link)
        assert centre.staff_alert()  # the centre heard of it all the same
        beat(link)
        assert not centre.staff_alert()  # answered: the alert closes
    finally:
        link.stop()

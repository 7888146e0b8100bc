"""Alerts on PostgreSQL: rules evaluated with the test's clock, fired, closed, acknowledged,
delivered by webhook to a receiver on loopback (with retries)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from fleet.app import create_app
from fleet.console.models import Alert, ConsoleAudit
from tests.fleet.conftest import FakeClock, enrol
from tests.fleet.console.helpers import add_user, form_csrf, sign_in
from tests.fleet.console.test_terminals import beat
from tests.fleet.console.webhook import Receiver


def _alerts(app) -> list[Alert]:  # type: ignore[no-untyped-def]
    with app.state.sessions() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_offline_fires_after_90_seconds_and_closes_when_heard_again(app, client, settings,
                                                                      clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    beat(client, headers, "ZZ-1", clock)  # paper low
    engine = app.state.alerts
    engine.evaluate()
    assert [(a.rule, a.fired_at is not None) for a in _alerts(app)] == [("paper_low", True)]
    clock.advance(90)
    engine.evaluate()
    assert [a.rule for a in _alerts(app) if a.closed_at is None] == ["paper_low"]
    clock.advance(1)
    engine.evaluate()
    open_now = [a.rule for a in _alerts(app) if a.closed_at is None]
    assert open_now == ["offline_90s"]  # what a silent terminal said before is stale
    beat(client, headers, "ZZ-1", clock)
    engine.evaluate()
    assert [a.rule for a in _alerts(app) if a.closed_at is None] == ["paper_low"]


def test_out_of_service_waits_five_minutes_and_a_short_one_leaves_nothing(
        app, client, settings, clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    engine = app.state.alerts
    down = {"state": "out_of_service", "reason": "打印机卡纸", "devices": []}
    beat(client, headers, "ZZ-1", clock, **down)
    engine.evaluate()
    clock.advance(60)
    beat(client, headers, "ZZ-1", clock, devices=[])
    engine.evaluate()
    assert _alerts(app) == []  # back within a minute: never fired, forgotten
    beat(client, headers, "ZZ-1", clock, **down)
    engine.evaluate()
    for _ in range(5):
        clock.advance(59)
        beat(client, headers, "ZZ-1", clock, **down)
        engine.evaluate()
    assert _alerts(app)[0].fired_at is None  # 4 min 55 s
    clock.advance(6)
    beat(client, headers, "ZZ-1", clock, **down)
    engine.evaluate()
    fired = _alerts(app)[0]
    assert fired.rule == "out_of_service_5min" and fired.fired_at == clock()
    assert fired.detail == "打印机卡纸"


def test_staff_call_and_outbox_lag(app, client, settings, clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    oldest = clock().isoformat()
    clock.advance(601)
    beat(client, headers, "ZZ-1", clock, staff_call=True, outbox_length=3,
         outbox_oldest_at=oldest, devices=[])
    app.state.alerts.evaluate()
    assert sorted(a.rule for a in _alerts(app)) == ["outbox_lag_10min", "staff_call"]


def test_acknowledge_from_the_console_is_attributed(app, client, settings,
                                                    clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    beat(client, headers, "ZZ-1", clock)
    app.state.alerts.evaluate()
    add_user(app)
    sign_in(client)
    page = client.get("/console/alerts")
    assert "纸张偏少" in page.text and "确认" in page.text
    alert = _alerts(app)[0]
    client.post(f"/console/alerts/{alert.id}/ack", data={"csrf": form_csrf(page.text)})
    alert = _alerts(app)[0]
    assert alert.acked_by == "wang" and alert.acked_at == clock()
    with app.state.sessions() as session:
        assert session.scalar(select(ConsoleAudit.actor).where(
            ConsoleAudit.action == "alert.ack")) == "wang"


def test_webhook_delivery_retries_until_the_receiver_answers(app, client, settings,
                                                             clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    beat(client, headers, "ZZ-1", clock)
    engine = app.state.alerts
    engine.backoff_s = 0.01
    with Receiver(fail_first=4) as receiver:
        engine.webhook_url = receiver.url
        engine.evaluate()  # three tries, all refused
        alert = _alerts(app)[0]
        assert alert.delivered_at is None and alert.delivery_attempts == 3
        assert alert.delivery_error == "HTTP 503"
        engine.evaluate()  # refused once more, then delivered
        alert = _alerts(app)[0]
        assert alert.delivered_at is not None and alert.delivery_attempts == 5
        engine.evaluate()
    assert [(r["terminal_id"], r["rule"]) for r in receiver.received] == [("ZZ-1",
                                                                          "paper_low")]


def test_the_app_evaluates_on_its_own_timer(settings, clock: FakeClock) -> None:
    from fastapi.testclient import TestClient

    settings.alert_interval_s = 0.05
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            headers = enrol(client, settings, "ZZ-1")
            beat(client, headers, "ZZ-1", clock)
            done = threading.Event()
            for _ in range(400):  # the loop's own pace, not a timing claim
                if _alerts(app):
                    done.set()
                    break
                threading.Event().wait(0.05)
            assert done.is_set() and app.state.alert_loop.runs >= 1
    finally:
        app.state.engine.dispose()


def test_one_server_process_evaluates_at_a_time(app, client, settings,
                                                clock: FakeClock) -> None:
    from sqlalchemy import func

    from fleet.console.alerts import _LOCK_KEY

    headers = enrol(client, settings, "ZZ-1")
    beat(client, headers, "ZZ-1", clock)
    with app.state.sessions() as other_process:
        assert other_process.scalar(select(func.pg_try_advisory_lock(_LOCK_KEY)))
        app.state.alerts.evaluate()
        assert _alerts(app) == []  # the other process holds the lock: nothing done twice
        other_process.scalar(select(func.pg_advisory_unlock(_LOCK_KEY)))
        other_process.commit()
    app.state.alerts.evaluate()
    assert [a.rule for a in _alerts(app)] == ["paper_low"]

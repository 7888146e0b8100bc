"""Heartbeats: what is stored, and offline after three missed intervals (controlled clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fleet import admin
from fleet.config_store import change_setting
from fleet.liveness import fleet_state
from fleet.protocol import HEARTBEAT_PATH
from fleet.settings import FleetSettings
from tests.fleet.conftest import FakeClock, enrol


def body(clock: FakeClock, **extra: object) -> dict[str, object]:
    printer = {"device": "printer", "state": "online", "ready": True, "paper": "low",
               "media": "none"}
    reader = {"device": "idcard_reader", "state": "offline", "ready": False, "card": "unknown",
              "detail": "no answer on /dev/ttyUSB0"}
    return {"terminal_id": "T-1", "sent_at": clock().isoformat(), "app_version": "1.4.2",
            "uptime_s": 3600.5, "state": "in_service", "devices": [printer, reader],
            "config_hash": "abc", "outbox_length": 7, **extra}


def states(app: FastAPI, clock: FakeClock) -> dict[str, str]:
    with app.state.sessions() as session:
        return {t["id"]: t["state"] for t in admin.list_terminals(session, clock())}


def test_a_heartbeat_is_stored_with_every_device(
    client: TestClient, app: FastAPI, settings: FleetSettings, clock: FakeClock
) -> None:
    headers = enrol(client, settings, "T-1")
    response = client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=body(clock),
                           headers=headers)
    assert response.status_code == 200
    assert response.json()["heartbeat_interval_s"] == 30
    with app.state.sessions() as session:
        row = admin.list_terminals(session, clock())[0]
        assert row["state"] == "in_service"
        assert row["app_version"] == "1.4.2" and row["outbox_length"] == 7
        from fleet.db.models import TerminalStatus

        status = session.get(TerminalStatus, "T-1")
        assert status is not None
        assert [d["device"] for d in status.devices] == ["printer", "idcard_reader"]
        assert status.devices[0]["paper"] == "low" and status.devices[1]["state"] == "offline"


def test_three_missed_intervals_make_a_terminal_offline(
    client: TestClient, app: FastAPI, settings: FleetSettings, clock: FakeClock
) -> None:
    headers = enrol(client, settings, "T-1")
    path = HEARTBEAT_PATH.format(terminal_id="T-1")
    assert states(app, clock) == {"T-1": "offline"}  # enrolled, never heard from
    client.post(path, json=body(clock), headers=headers)
    clock.advance(89.9)
    assert states(app, clock) == {"T-1": "in_service"}
    clock.advance(0.1)
    assert states(app, clock) == {"T-1": "offline"}
    client.post(path, json=body(clock, state="out_of_service", reason="printer out of paper"),
                headers=headers)
    assert states(app, clock) == {"T-1": "out_of_service"}


def test_the_interval_is_configurable_and_offline_follows_it(
    client: TestClient, app: FastAPI, settings: FleetSettings, clock: FakeClock
) -> None:
    headers = enrol(client, settings, "T-1")
    with app.state.sessions() as session:
        change_setting(session, scope="group", name="north", key="heartbeat_interval_s",
                       value=10.0, actor="ops", now=clock())
        session.commit()
    answer = client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=body(clock),
                         headers=headers)
    assert answer.json()["heartbeat_interval_s"] == 10
    clock.advance(29)
    assert states(app, clock) == {"T-1": "in_service"}
    clock.advance(1)
    assert states(app, clock) == {"T-1": "offline"}


def test_fleet_state_rules() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    seen = now - timedelta(seconds=60)
    common = {"now": now, "enrolled": True, "last_seen_at": seen, "interval_s": 30.0}
    assert fleet_state(**common, revoked=True, reported_state="in_service") == "revoked"
    assert fleet_state(**common, revoked=False, reported_state="in_service") == "in_service"
    assert fleet_state(**common, revoked=False,
                       reported_state="out_of_service") == "out_of_service"
    assert fleet_state(**{**common, "interval_s": 20.0}, revoked=False,
                       reported_state="in_service") == "offline"
    assert fleet_state(now=now, enrolled=False, revoked=False, last_seen_at=None,
                       interval_s=None, reported_state=None) == "not_enrolled"

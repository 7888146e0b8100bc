"""Enrolment, credentials and who may write what."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from fleet import admin
from fleet.db.engine import make_engine, session_factory
from fleet.db.models import Terminal
from fleet.protocol import ENROL_PATH, HEARTBEAT_PATH, OUTBOX_PATH, auth_headers
from fleet.settings import FleetSettings
from tests.fleet.conftest import FakeClock, add_terminal, enrol

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def heartbeat(terminal_id: str) -> dict[str, object]:
    return {"terminal_id": terminal_id, "sent_at": NOW.isoformat(), "app_version": "1.0",
            "uptime_s": 5, "state": "in_service"}


def test_a_token_enrols_once_and_the_secret_is_kept_only_hashed(
    client: TestClient, settings: FleetSettings
) -> None:
    token = add_terminal(settings, "T-1")
    first = client.post(ENROL_PATH, json={"terminal_id": "T-1", "token": token})
    assert first.status_code == 200
    secret = first.json()["secret"]
    again = client.post(ENROL_PATH, json={"terminal_id": "T-1", "token": token})
    assert again.status_code == 401
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        row = session.scalars(select(Terminal)).one()
        assert row.secret_hash and secret not in (row.secret_hash, row.token_hash)
        assert row.token_hash is None
    engine.dispose()
    ok = client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=heartbeat("T-1"),
                     headers=auth_headers("T-1", secret))
    assert ok.status_code == 200


def test_wrong_token_wrong_secret_and_expired_token_are_refused(
    client: TestClient, settings: FleetSettings, clock: FakeClock
) -> None:
    token = add_terminal(settings, "T-1")
    assert client.post(ENROL_PATH, json={"terminal_id": "T-1",
                                         "token": token + "x"}).status_code == 401
    assert client.post(ENROL_PATH, json={"terminal_id": "T-9",
                                         "token": token}).status_code == 401
    response = client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=heartbeat("T-1"),
                           headers=auth_headers("T-1", "guess"))
    assert response.status_code == 401
    clock.advance(73 * 3600)
    assert client.post(ENROL_PATH, json={"terminal_id": "T-1",
                                         "token": token}).status_code == 401


def test_a_revoked_terminal_is_refused(client: TestClient, settings: FleetSettings) -> None:
    headers = enrol(client, settings, "T-1")
    path = HEARTBEAT_PATH.format(terminal_id="T-1")
    assert client.post(path, json=heartbeat("T-1"), headers=headers).status_code == 200
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        admin.revoke_terminal(session, "T-1", "stolen", NOW)
    engine.dispose()
    assert client.post(path, json=heartbeat("T-1"), headers=headers).status_code == 401


def test_terminal_a_posting_as_b_gets_403(client: TestClient, settings: FleetSettings) -> None:
    a = enrol(client, settings, "T-A")
    enrol(client, settings, "T-B")
    # B's path with A's credentials.
    response = client.post(HEARTBEAT_PATH.format(terminal_id="T-B"), json=heartbeat("T-B"),
                           headers=a)
    assert response.status_code == 403
    # A's path, but the body speaks for B.
    response = client.post(HEARTBEAT_PATH.format(terminal_id="T-A"), json=heartbeat("T-B"),
                           headers=a)
    assert response.status_code == 403
    batch = {"terminal_id": "T-B", "events": [
        {"kind": "usage", "key": "k" * 16, "seq": 1, "occurred_at": NOW.isoformat(),
         "service_id": "pension", "counter": "sessions"}]}
    assert client.post(OUTBOX_PATH.format(terminal_id="T-B"), json=batch,
                       headers=a).status_code == 403
    # Headers claiming B with A's secret are just wrong credentials.
    forged = {**a, "X-Fleet-Terminal": "T-B"}
    assert client.post(HEARTBEAT_PATH.format(terminal_id="T-B"), json=heartbeat("T-B"),
                       headers=forged).status_code == 401

"""The heartbeat route reads its own path, headers and body (for speed): it must refuse what the
declared-parameter version refused, and prove the caller the same way."""

from __future__ import annotations

import hmac
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fleet import credentials
from fleet.db.models import TerminalStatus
from fleet.protocol import HEARTBEAT_PATH, TERMINAL_HEADER, auth_headers
from fleet.settings import FleetSettings
from tests.fleet.conftest import FakeClock, enrol


def beat(clock: FakeClock, terminal_id: str = "T-1") -> dict[str, object]:
    return {"terminal_id": terminal_id, "sent_at": clock().isoformat(), "app_version": "1.0",
            "uptime_s": 5, "state": "in_service"}


def stored(app: FastAPI, terminal_id: str) -> TerminalStatus | None:
    with app.state.sessions() as session:
        return session.get(TerminalStatus, terminal_id)


def secret_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("forge", [
    lambda own, other: {**own, "Authorization": own["Authorization"][:-1] + "x"},  # wrong
    lambda own, other: auth_headers("T-1", secret_of(other)),  # another terminal's secret
    lambda own, other: {TERMINAL_HEADER: "T-1"},  # none
    lambda own, other: {**own, "Authorization": "Basic " + secret_of(own)},  # not a bearer
    lambda own, other: {**own, "Authorization": "Bearer "},  # empty
    lambda own, other: {**own, TERMINAL_HEADER: "T-404"},  # unknown terminal
], ids=["wrong", "other-terminals", "missing", "not-bearer", "empty", "unknown-terminal"])
def test_a_heartbeat_without_its_own_secret_is_refused_and_stores_nothing(
    client: TestClient, app: FastAPI, settings: FleetSettings, clock: FakeClock, forge
) -> None:
    own = enrol(client, settings, "T-1")
    other = enrol(client, settings, "T-2")
    response = client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=beat(clock),
                           headers=forge(own, other))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stored(app, "T-1") is None
    # The right secret still works, after all that.
    assert client.post(HEARTBEAT_PATH.format(terminal_id="T-1"), json=beat(clock),
                       headers=own).status_code == 200
    assert stored(app, "T-1") is not None


def test_the_secret_is_compared_in_constant_time(
    client: TestClient, settings: FleetSettings, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    own = enrol(client, settings, "T-1")
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(credentials.hmac, "compare_digest", spy)
    path = HEARTBEAT_PATH.format(terminal_id="T-1")
    assert client.post(path, json=beat(clock), headers=own).status_code == 200
    wrong = {**own, "Authorization": own["Authorization"][:-1] + "x"}
    assert client.post(path, json=beat(clock), headers=wrong).status_code == 401
    # Both answers went through hmac.compare_digest, on digests (never the secret itself).
    assert len(compared) == 2
    assert all(secret_of(own) not in pair for pair in compared)
    assert compared[0][0] == compared[0][1] and compared[1][0] != compared[1][1]


def test_bad_paths_and_bodies_are_422_as_before(
    client: TestClient, settings: FleetSettings, clock: FakeClock
) -> None:
    own = enrol(client, settings, "T-1")
    bad_id = client.post(HEARTBEAT_PATH.format(terminal_id="T!1"), json=beat(clock),
                         headers=own)
    assert bad_id.status_code == 422
    assert bad_id.json()["detail"][0]["loc"] == ["path", "terminal_id"]
    path = HEARTBEAT_PATH.format(terminal_id="T-1")
    missing_field = {k: v for k, v in beat(clock).items() if k != "state"}
    response = client.post(path, json=missing_field, headers=own)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "state"]
    not_json = client.post(path, content=b"{", headers={**own,
                                                        "Content-Type": "application/json"})
    assert not_json.status_code == 422
    form = client.post(path, data={"terminal_id": "T-1"}, headers=own)
    assert form.status_code == 422
    vendor_json = client.post(path, content=json.dumps(beat(clock)),
                              headers={**own, "Content-Type": "application/vnd.k+json"})
    assert vendor_json.status_code == 200

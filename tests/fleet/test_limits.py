"""What a stranger can send: bodies past the ceiling are refused before they are read whole."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from fleet.body_limit import MAX_BODY_BYTES
from fleet.protocol import OUTBOX_PATH
from fleet.settings import FleetSettings
from tests.fleet.conftest import enrol


def test_an_oversized_body_is_refused_whether_announced_or_streamed(
    client: TestClient, settings: FleetSettings
) -> None:
    headers = enrol(client, settings, "T-1")
    path = OUTBOX_PATH.format(terminal_id="T-1")
    huge = b'{"terminal_id": "T-1", "events": [' + b" " * (MAX_BODY_BYTES + 1) + b"]}"
    announced = client.post(path, content=huge,
                            headers={**headers, "Content-Type": "application/json"})
    assert announced.status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start:start + 64 * 1024]

    streamed = client.post(path, content=chunks(),
                           headers={**headers, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    # An honest, small request still goes through.
    assert client.post(path, json={"terminal_id": "T-1", "events": []},
                       headers=headers).status_code == 422


def test_health_says_when_the_database_is_gone(client: TestClient, settings: FleetSettings
                                               ) -> None:
    import dataclasses
    import socket

    from fleet.app import create_app

    assert client.get("/health").json() == {"status": "ok"}
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gone = dataclasses.replace(
        settings, database_url=f"postgresql+psycopg://fleet:x@127.0.0.1:{port}/fleet")
    with TestClient(create_app(gone, run_migrations=False)) as orphan:
        answer = orphan.get("/health")
    assert answer.status_code == 503 and answer.json() == {"status": "database unavailable"}

"""Fixtures of the fleet's tests: a fresh PostgreSQL database each, a clock the test moves,
the application in-process (TestClient) or really served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette suggests a successor of httpx; httpx is what we use
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from fleet import admin
from fleet.app import create_app
from fleet.db.engine import make_engine, migrate, session_factory
from fleet.settings import FleetSettings
from tests.kiosk.pg_server import postgres_server, postgres_url  # noqa: F401 (fixtures)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(postgres_url: str, clock: FakeClock) -> FleetSettings:  # noqa: F811
    return FleetSettings(database_url=postgres_url, clock=clock, pool_size=4)


@pytest.fixture
def app(settings: FleetSettings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def add_terminal(settings: FleetSettings, terminal_id: str, group: str = "north") -> str:
    """Register a terminal as `fleet-admin terminal add` does; returns its token."""
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            return admin.add_terminal(session, terminal_id, group, settings.clock(), 72)
    finally:
        engine.dispose()


def enrol(client: TestClient, settings: FleetSettings, terminal_id: str,
          group: str = "north") -> dict[str, str]:
    """Add and enrol a terminal; returns its authentication headers."""
    from fleet.protocol import ENROL_PATH, auth_headers

    token = add_terminal(settings, terminal_id, group)
    response = client.post(ENROL_PATH, json={"terminal_id": terminal_id, "token": token})
    assert response.status_code == 200, response.text
    return auth_headers(terminal_id, response.json()["secret"])


@dataclass
class LiveServer:
    url: str
    app: FastAPI


def free_loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The application served by uvicorn in a thread on a free loopback port."""
    sock = free_loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        assert server.started, "uvicorn did not start"
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class ServerProcess:
    """`fleet-server` in a process of its own, so a test can kill -9 it."""

    def __init__(self, database_url: str) -> None:
        import subprocess
        import sys

        sock = free_loopback_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        code = "import sys; from fleet.cli import server_main; sys.exit(server_main())"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "--database-url", database_url, "--port",
             str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        import httpx

        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"fleet-server exited: {self.process.stderr.read()!r}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            threading.Event().wait(0.05)
        raise RuntimeError("fleet-server did not answer /health")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback by the process; PostgreSQL sees the socket drop."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.kill()
        if self.process.stderr:
            self.process.stderr.close()

"""Fleet link figures (terminal side): what the outbox adds to each audit line, and how fast
one terminal drains a backlog into the central service (on its embedded SQLite, in-process
under uvicorn, over loopback HTTP)."""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn  # noqa: E402

from fleet import admin  # noqa: E402
from fleet.app import create_app  # noqa: E402
from fleet.db.engine import session_factory  # noqa: E402
from fleet.protocol import EnrolRequest  # noqa: E402
from fleet.settings import FleetSettings  # noqa: E402
from kiosk.fleet_link.client import FleetClient  # noqa: E402
from kiosk.fleet_link.sender import OutboxSender  # noqa: E402
from kiosk.store import Store  # noqa: E402
from services_catalog.model import AuthenticatedPerson  # noqa: E402

PERSON = AuthenticatedPerson("410402198805201238", "张伟")
BACKLOG = 2000  # queries: an audit line and a usage count each


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}))


def audit_line_ms(store: Store, runs: int = 200) -> float:
    """The fastest of `runs` appends: the floor, which the machine's load blurs least."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        store.audit.record("query", "ok", PERSON, "pension.payment_detail")
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples)


def serve(settings: FleetSettings) -> tuple[str, uvicorn.Server, threading.Thread]:
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, fleet in (("standalone", False), ("with_outbox", True)):
            store = Store.open(f"sqlite:///{root / name / 'k.sqlite3'}", root / name, "T-1",
                               fleet_outbox=fleet)
            audit_line_ms(store, 20)  # warm up
            emit(f"fleet_audit_line_{name}", audit_line_ms(store), "ms")
            store.close()

        settings = FleetSettings(database_url=f"sqlite:///{root / 'fleet.sqlite3'}")
        url, server, thread = serve(settings)
        with session_factory(server.config.app.state.engine)() as session:
            token = admin.add_terminal(session, "T-1", "bench", settings.clock(), 1)
        with FleetClient(url, "T-1") as anonymous:
            secret = anonymous.enrol(EnrolRequest(terminal_id="T-1", token=token)).secret
        store = Store.open(f"sqlite:///{root / 'drain' / 'k.sqlite3'}", root / "drain", "T-1",
                           fleet_outbox=True)
        for _ in range(BACKLOG):
            store.audit.record("query", "ok", PERSON, "pension.payment_detail")
        items = store.outbox.length()
        with FleetClient(url, "T-1", secret) as client:
            sender = OutboxSender(store.outbox, client, "T-1", batch_size=100)
            start = time.perf_counter()
            sender.drain(max_failures=3)
            elapsed = time.perf_counter() - start
        store.close()
        server.should_exit = True
        thread.join(timeout=10)
        emit("fleet_drain_one_terminal", items / elapsed, "events/s")
        emit("fleet_drain_backlog_s", elapsed, f"s for {items} events")


if __name__ == "__main__":
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    main()

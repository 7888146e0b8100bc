"""Console figures: the terminals overview with 1,000 terminals on PostgreSQL.

The page is requested in-process (the application called through its ASGI interface, no
network), so the time is the server's: the queries, the liveness of every terminal, the
template. 1,000 terminals in 20 groups, each with a latest heartbeat (printers full, low or
out), and open alerts on about one in ten. Prints one JSON object per figure.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from fleet.app import create_app  # noqa: E402
from fleet.console import auth  # noqa: E402
from fleet.console.models import Alert  # noqa: E402
from fleet.db.models import Terminal, TerminalStatus  # noqa: E402
from fleet.settings import FleetSettings  # noqa: E402
from tests.kiosk.pg_server import PostgresServer, find_bindir  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

TERMINALS = int(os.environ.get("CONSOLE_BENCH_TERMINALS", "1000"))
REQUESTS = int(os.environ.get("CONSOLE_BENCH_REQUESTS", "60"))
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
PASSWORD = "bench-only-password"


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}), flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def populate(app) -> None:  # type: ignore[no-untyped-def]
    papers = ("full", "full", "full", "low", "out")
    with app.state.sessions() as session:
        session.execute(insert(Terminal), [
            {"id": f"T-{i:05d}", "group": f"group-{i % 20:02d}", "created_at": NOW,
             "enrolled_at": NOW, "last_seq": 0, "revoked_reason": ""}
            for i in range(TERMINALS)])
        session.execute(insert(TerminalStatus), [
            {"terminal_id": f"T-{i:05d}", "last_seen_at": NOW - timedelta(seconds=i % 200),
             "sent_at": NOW, "interval_s": 30.0, "app_version": "1.0", "uptime_s": 100.0,
             "state": "out_of_service" if i % 37 == 0 else "in_service",
             "reason": "打印机缺纸" if i % 37 == 0 else "",
             "devices": [{"device": "printer", "state": "online", "ready": True,
                          "paper": papers[i % 5]},
                         {"device": "idcard_reader", "state": "online", "ready": True}],
             "config_hash": "", "outbox_length": 0, "in_session": False, "staff_call": False,
             "heartbeats": 1}
            for i in range(TERMINALS)])
        session.execute(insert(Alert), [
            {"terminal_id": f"T-{i:05d}", "rule": "paper_out", "severity": "critical",
             "detail": "printer", "first_seen_at": NOW, "fired_at": NOW, "acked_by": "",
             "delivery_attempts": 0, "delivery_error": ""}
            for i in range(0, TERMINALS, 10)])
        auth.add_user(session, "bench", "viewer", PASSWORD, NOW, "bench")
        session.commit()


def main() -> None:
    bindir = find_bindir()
    if bindir is None:
        print("bench_console: PostgreSQL is not installed; skipped", file=sys.stderr)
        return
    pg = PostgresServer(bindir)
    pg.start()
    try:
        url = pg.url(pg.create_database())
        app = create_app(FleetSettings(database_url=url, clock=lambda: NOW,
                                       alert_interval_s=0))
        populate(app)
        with TestClient(app) as client:
            token = client.get("/console/login").text.split('name="csrf" value="')[1]
            client.post("/console/login", data={"name": "bench", "password": PASSWORD,
                                                "csrf": token.split('"')[0]})
            samples, size = [], 0
            for index in range(REQUESTS + 5):
                started = time.perf_counter()
                page = client.get("/console/")
                elapsed = time.perf_counter() - started
                if page.status_code != 200 or page.text.count("data-terminal=") != TERMINALS:
                    raise RuntimeError(f"overview answered {page.status_code}")
                if index >= 5:  # the first few warm caches and the connection pool
                    samples.append(elapsed * 1000)
                size = len(page.content)
        app.state.engine.dispose()
        emit("console_overview_terminals", TERMINALS, "terminals")
        emit("console_overview_p50", percentile(samples, 0.50), "ms")
        emit("console_overview_p95", percentile(samples, 0.95), "ms")
        emit("console_overview_bytes", size, "bytes")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()

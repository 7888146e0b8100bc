"""The outbox: every event applied exactly once, whatever the link or the server does."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, make_url, select

from fleet.db.models import Certificate, OutboxEventRow, UsageDaily
from fleet.protocol import OUTBOX_PATH
from fleet.settings import FleetSettings
from fleet.simulator import SimulatedTerminal
from tests.fleet.conftest import LiveServer, ServerProcess, add_terminal, enrol
from tests.kiosk.pg_server import PostgresServer

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def usage(seq: int, key: str | None = None, delta: int = 1) -> dict[str, Any]:
    return {"kind": "usage", "key": key or f"key-{seq:08d}", "seq": seq,
            "occurred_at": NOW.isoformat(), "service_id": "pension", "counter": "sessions",
            "delta": delta}


def post(client: TestClient, headers: dict[str, str], events: list[dict[str, Any]]
         ) -> httpx.Response:
    terminal_id = headers["X-Fleet-Terminal"]
    return client.post(OUTBOX_PATH.format(terminal_id=terminal_id),
                       json={"terminal_id": terminal_id, "events": events}, headers=headers)


def counts(settings_or_app: Any) -> tuple[int, int, int]:
    """(usage total, ledger rows, registry rows), read from the database."""
    from fleet.db.engine import make_engine, session_factory

    engine = make_engine(settings_or_app.database_url)
    with session_factory(engine)() as session:
        total = session.scalar(select(func.coalesce(func.sum(UsageDaily.count), 0)))
        ledger = session.scalar(select(func.count()).select_from(OutboxEventRow))
        registry = session.scalar(select(func.count()).select_from(Certificate))
    engine.dispose()
    return int(total or 0), int(ledger or 0), int(registry or 0)


def test_a_replayed_batch_is_acked_without_counting_twice(
    client: TestClient, settings: FleetSettings
) -> None:
    headers = enrol(client, settings, "T-1")
    first = post(client, headers, [usage(s) for s in range(1, 6)])
    assert first.json() == {"last_seq": 5, "applied": 5, "duplicates": 0}
    again = post(client, headers, [usage(s) for s in range(1, 6)])
    assert again.json() == {"last_seq": 5, "applied": 0, "duplicates": 5}
    overlap = post(client, headers, [usage(s) for s in range(3, 9)])
    assert overlap.json() == {"last_seq": 8, "applied": 3, "duplicates": 3}
    assert counts(settings) == (8, 8, 0)


def test_a_gap_or_a_different_key_for_a_held_seq_is_refused(
    client: TestClient, settings: FleetSettings
) -> None:
    headers = enrol(client, settings, "T-1")
    post(client, headers, [usage(1), usage(2)])
    gap = post(client, headers, [usage(4)])
    assert gap.status_code == 409 and gap.json()["last_seq"] == 2
    rewritten = post(client, headers, [usage(2, key="another-key"), usage(3)])
    assert rewritten.status_code == 409
    assert counts(settings) == (2, 2, 0)  # nothing of either batch was applied


def test_an_unmasked_id_number_or_another_terminals_certificate_is_refused(
    client: TestClient, settings: FleetSettings
) -> None:
    headers = enrol(client, settings, "T-1")
    audit = {"kind": "audit", "key": "audit-0001", "seq": 1, "occurred_at": NOW.isoformat(),
             "actor": "citizen", "action": "query", "outcome": "ok",
             "id_masked": "410402198805201238"}
    assert post(client, headers, [audit]).status_code == 422
    # A foreign permanent resident card of 2017 (15 characters) and a residence permit too.
    for number in ("USA110079060514", "81000019940823003X"):
        assert post(client, headers, [{**audit, "id_masked": "", "detail": f"card {number}"}]
                    ).status_code == 422
    other = SimulatedTerminal("T-2", "", clock=lambda: NOW)
    other.use_service()
    foreign = [e.model_dump(mode="json") for e in other.outbox]
    assert post(client, headers, foreign).status_code == 403
    assert counts(settings) == (0, 0, 0)


def test_concurrent_copies_of_a_batch_count_once(
    live_server: LiveServer, settings: FleetSettings
) -> None:
    token = add_terminal(settings, "T-1")
    terminal = SimulatedTerminal("T-1", token)
    for i in range(40):
        terminal.use_service(i)

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
            await terminal.enrol(client)
            body = {"terminal_id": "T-1",
                    "events": [e.model_dump(mode="json") for e in terminal.outbox]}
            path = OUTBOX_PATH.format(terminal_id="T-1")
            answers = await asyncio.gather(*[
                client.post(path, json=body, headers=terminal.headers) for _ in range(6)])
            return [a.status_code for a in answers]

    assert set(asyncio.run(run())) == {200}
    assert counts(settings) == (80, 160, 40)  # 40 sessions + 40 certificates counted


def test_events_made_while_the_link_is_down_arrive_once(settings: FleetSettings) -> None:
    token = add_terminal(settings, "T-1")
    terminal = SimulatedTerminal("T-1", token)
    server = ServerProcess(settings.database_url)

    async def send(url: str) -> int:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            if not terminal.secret:
                await terminal.enrol(client)
            return await terminal.send_outbox(client, batch_size=7)

    try:
        terminal.use_service(0)
        assert asyncio.run(send(server.url)) == 4
        server.kill()
        for i in range(25):  # the link is down: the outbox grows, nothing is lost
            terminal.use_service(i)
        with pytest.raises(httpx.TransportError):
            asyncio.run(send(server.url))
        assert len(terminal.outbox) == 100
        server = ServerProcess(settings.database_url)
        assert asyncio.run(send(server.url)) == 100
    finally:
        server.stop()
    assert counts(settings) == (52, 104, 26)


def test_a_server_killed_mid_batch_leaves_nothing_half_done(
    settings: FleetSettings, postgres_server: PostgresServer
) -> None:
    token = add_terminal(settings, "T-1")
    terminal = SimulatedTerminal("T-1", token)
    for i in range(30):
        terminal.use_service(i)
    server = ServerProcess(settings.database_url)
    database = make_url(settings.database_url).database
    try:
        asyncio.run(_enrol(terminal, server.url))
        # Hold the registry table, so the server's batch stops after its first events.
        with psycopg.connect(host=str(postgres_server.socket_dir), user="postgres",
                             dbname=database) as blocker:
            blocker.execute("LOCK TABLE certificates IN ACCESS EXCLUSIVE MODE")
            sender = threading.Thread(target=_post_all_ignoring_errors,
                                      args=(server.url, terminal), daemon=True)
            sender.start()
            _wait_for_blocked_query(postgres_server, database)
            server.kill()
            blocker.rollback()
        sender.join(timeout=30)
        assert counts(settings) == (0, 0, 0)
        server = ServerProcess(settings.database_url)
        assert asyncio.run(_send(terminal, server.url)) == 120
    finally:
        server.stop()
    assert counts(settings) == (60, 120, 30)


async def _enrol(terminal: SimulatedTerminal, url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await terminal.enrol(client)


async def _send(terminal: SimulatedTerminal, url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await terminal.send_outbox(client)


def _post_all_ignoring_errors(url: str, terminal: SimulatedTerminal) -> None:
    body = {"terminal_id": terminal.terminal_id,
            "events": [e.model_dump(mode="json") for e in terminal.outbox]}
    try:
        httpx.post(url + OUTBOX_PATH.format(terminal_id=terminal.terminal_id), json=body,
                   headers=terminal.headers, timeout=30)
    except httpx.TransportError:
        pass  # the server was killed under it, as intended


def _wait_for_blocked_query(postgres_server: PostgresServer, database: str) -> None:
    with psycopg.connect(host=str(postgres_server.socket_dir), user="postgres",
                         dbname="postgres", autocommit=True) as watcher:
        for _ in range(600):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock'", (database,)).fetchone()
            if waiting and waiting[0] > 0:
                return
            threading.Event().wait(0.05)
    raise AssertionError("the batch never reached the locked table")

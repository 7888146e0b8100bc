"""The terminal's fleet link against the real central service (fsrv's FastAPI application under
uvicorn, on the private PostgreSQL server): enrolment, heartbeat and configuration without a
restart, and the outbox under a cut link, a terminal killed with SIGKILL mid-send and a centre
restarted mid-batch. After each, the centre's counts are exact."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fleet import admin
from fleet.db.engine import make_engine, session_factory
from fleet.db.models import Certificate, OutboxEventRow, UsageDaily
from fleet.settings import FleetSettings
from kiosk.cli import main as kiosk_admin
from kiosk.config import Settings, load_settings
from kiosk.fleet_link.batching import Backoff
from kiosk.fleet_link.client import FleetClient
from kiosk.fleet_link.credential import credential_path, load_credential
from kiosk.fleet_link.sender import OutboxSender
from kiosk.store import Store
from services_catalog.model import AuthenticatedPerson
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

ROOT = Path(__file__).resolve().parents[2]
PERSON = AuthenticatedPerson("410402198805201238", "张伟")
SERVICE = "pension.payment_detail"


@dataclass
class Terminal:
    name: str
    config: Path
    settings: Settings

    def admin(self, *argv: str) -> int:
        return kiosk_admin(["--config", str(self.config), *argv])

    def store(self) -> Store:
        s = self.settings
        return Store.open(s.resolved_database_url(), s.resolved_data_dir(), s.terminal_id,
                          fleet_outbox=True)


def make_terminal(tmp_path: Path, name: str, url: str, extra: str = "") -> Terminal:
    data_dir = tmp_path / name
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f'terminal_id = "{name}"\ndata_dir = "{data_dir}"\n{extra}\n'
        f'[fleet]\nurl = "{url}"\nheartbeat_interval_s = 1\nbatch_size = 3\n',
        encoding="utf-8")
    return Terminal(name, config, load_settings(config))


def enrolled(tmp_path: Path, settings: FleetSettings, name: str, url: str,  # noqa: F811
             monkeypatch: pytest.MonkeyPatch, extra: str = "") -> Terminal:
    terminal = make_terminal(tmp_path, name, url, extra)
    monkeypatch.setenv("TOKEN_" + name.replace("-", "_"), add_terminal(settings, name))
    assert terminal.admin("fleet", "enrol", "--token-env", "TOKEN_" + name.replace("-", "_")) == 0
    return terminal


def central(settings: FleetSettings) -> tuple[int, int, int]:  # noqa: F811
    """(queries counted, events in the ledger, certificates) in the centre's database."""
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            queries = session.scalar(select(func.coalesce(func.sum(UsageDaily.count), 0))
                                     .where(UsageDaily.service_id == SERVICE,
                                            UsageDaily.counter == "queries"))
            ledger = session.scalar(select(func.count()).select_from(OutboxEventRow))
            certs = session.scalar(select(func.count()).select_from(Certificate))
    finally:
        engine.dispose()
    return int(queries or 0), int(ledger or 0), int(certs or 0)


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def queries(store: Store, n: int) -> None:
    for _ in range(n):
        store.audit.record("query", "ok", PERSON, SERVICE)


class Switch(httpx.HTTPTransport):
    """A real network link with a switch: while cut, nothing reaches the centre."""

    cut = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.cut:
            raise httpx.ConnectError("link cut", request=request)
        return super().handle_request(request)


def sender_for(terminal: Terminal, store: Store, url: str,
               transport: httpx.BaseTransport | None = None) -> OutboxSender:
    credential = load_credential(terminal.settings.resolved_data_dir(), url)
    assert credential is not None
    client = FleetClient(url, credential.terminal_id, credential.secret, transport=transport)
    return OutboxSender(store.outbox, client, credential.terminal_id, batch_size=7,
                        backoff=Backoff(base_s=0.02, cap_s=0.3))


def test_enrol_keeps_a_private_credential_and_a_bad_token_is_one_line(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    path = credential_path(terminal.settings.resolved_data_dir())
    assert path.stat().st_mode & 0o777 == 0o600
    other = make_terminal(tmp_path, "T-B", live_server.url)
    add_terminal(settings, "T-B")
    monkeypatch.setenv("WRONG", "not-the-token-at-all")
    capsys.readouterr()
    assert other.admin("fleet", "enrol", "--token-env", "WRONG") == 1
    err = capsys.readouterr().err
    assert err.startswith("enrolment refused") and len(err.strip().splitlines()) == 1
    assert load_credential(other.settings.resolved_data_dir(), live_server.url) is None

    store = terminal.store()
    queries(store, 2)
    store.close()
    assert terminal.admin("fleet", "status", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["enrolled"], report["outbox_length"], report["last_seq"]) == (True, 4, 4)
    assert other.admin("fleet", "status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["enrolled"] is False
    assert other.admin("fleet", "sync") == 1
    assert "not enrolled" in capsys.readouterr().err


def test_a_running_terminal_reports_and_takes_its_configuration_without_a_restart(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk.runtime import Runtime

    terminal = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    runtime = Runtime.build(terminal.settings, simulate=True, start_verify_web=False)
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)

    def status() -> dict[str, object]:
        with sessions() as session:
            return admin.list_terminals(session, settings.clock())[0]

    try:
        runtime.start()
        wait_for(lambda: status()["last_seen_at"] is not None, "the first heartbeat")
        assert SERVICE in {s.id for s in runtime.catalog.enabled()}
        with sessions() as session:
            admin.set_config(session, "group", "north", f"service.{SERVICE}", "off", "wang",
                             settings.clock())
            admin.set_config(session, "group", "north", "hall_phone", "0371-6543", "wang",
                             settings.clock())
            wanted = admin.show_config(session, "T-A", 30)["hash"]
        link = runtime.fleet_link
        assert link is not None and link.heartbeat is not None
        link.heartbeat.beat_once()  # the thread would on its next beat; no need to wait
        assert SERVICE not in {s.id for s in runtime.catalog.enabled()}
        assert runtime.settings.hall_phone == "0371-6543"
        assert [(e.action, e.detail) for e in runtime.store.audit.entries(5)
                if e.action == "fleet_config"][0] == ("fleet_config", wanted[:16])
        link.heartbeat.beat_once()
        reported = status()
        assert reported["config_hash"] == wanted and reported["state"] == "in_service"
        # The terminal's start and its device states reached the centre through the outbox.
        wait_for(lambda: central(settings)[1] >= 2, "the outbox to drain")
    finally:
        runtime.stop()
        engine.dispose()


def test_a_cut_link_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    store = terminal.store()
    link = Switch()
    try:
        sender = sender_for(terminal, store, live_server.url, link)
        queries(store, 5)
        assert sender.drain(max_failures=3) == 10
        link.cut = True
        queries(store, 23)  # N events while the link is down
        assert sender.drain(max_failures=4) == 0
        assert store.outbox.length() == 46 and central(settings) == (5, 10, 0)
        link.cut = False
        assert sender.drain(max_failures=3) == 46
        assert central(settings) == (28, 56, 0) and store.outbox.last_seq() == 56
        assert store.outbox.length() == 0
    finally:
        store.close()


def test_a_terminal_killed_mid_send_resends_and_the_counts_stay_exact(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    store = terminal.store()
    queries(store, 150)  # 303 items (an audit line and a count each, 3 anchors), 3 a request
    made = store.outbox.last_seq()
    store.close()
    sync = [sys.executable, "-m", "kiosk.cli", "--config", str(terminal.config), "fleet", "sync"]
    process = subprocess.Popen(sync, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: central(settings)[1] > 0 or process.poll() is not None,
                 "the first batch to arrive")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the sender finished before it was killed"
    assert 0 < central(settings)[1] < made
    assert terminal.admin("fleet", "sync") == 0
    assert central(settings) == (150, made, 0)
    again = terminal.store()
    try:
        assert again.outbox.length() == 0 and again.outbox.last_seq() == made
    finally:
        again.close()


class CentreProcess:
    """`fleet-server` in its own process on a fixed port, so it can be killed and restarted
    where the terminal expects it."""

    def __init__(self, database_url: str) -> None:
        sock = free_loopback_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = "import sys; from fleet.cli import server_main; sys.exit(server_main())"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "--database-url", self.database_url,
             "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def healthy() -> bool:
            try:
                return httpx.get(self.url + "/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, "fleet-server to answer /health")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def test_a_centre_restarted_mid_batch_counts_every_event_once(
    tmp_path: Path, settings: FleetSettings, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    centre = CentreProcess(settings.database_url)
    centre.start()
    try:
        terminal = enrolled(tmp_path, settings, "T-A", centre.url, monkeypatch)
        store = terminal.store()
        queries(store, 200)
        made = store.outbox.last_seq()
        sender = sender_for(terminal, store, centre.url)
        delivered: list[int] = []
        thread = threading.Thread(target=lambda: delivered.append(sender.drain()))
        thread.start()
        wait_for(lambda: central(settings)[1] > 0, "the first batch to arrive")
        centre.kill()
        held = central(settings)[1]
        assert held < made, "the sender finished before the centre was killed"
        centre.start()
        thread.join(timeout=120)
        assert not thread.is_alive()
        assert central(settings) == (200, made, 0)
        assert store.outbox.length() == 0
        store.close()
    finally:
        centre.kill()


def test_a_certificate_from_terminal_a_verifies_at_the_centre_and_at_terminal_b(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.cli.certificate import trust_roots
    from kiosk.fleet_link.registry import CentralFirstRegistry
    from kiosk.verify_web import render_page

    a = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    pdf = tmp_path / "certificate.pdf"
    capsys.readouterr()
    assert a.admin("certificate", "issue", "--service", "pension.payment_certificate",
                   "--id-number", PERSON.id_number, "--out", str(pdf)) == 0
    found = re.search(r"verification code ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})",
                      capsys.readouterr().out)
    assert found is not None
    code = found.group(1)
    # The paper sends whoever holds it to the centre's page, not to terminal A's loopback.
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"{live_server.url}/verify" in text
    assert a.admin("fleet", "sync") == 0
    assert central(settings)[2] == 1

    page = httpx.get(f"{live_server.url}/verify", params={"code": code})
    assert page.status_code == 200 and "张*" in page.text and PERSON.id_number not in page.text

    root_a = trust_roots(a.settings)[-1]  # terminal A's demo CA signed the seal
    b = enrolled(tmp_path, settings, "T-B", live_server.url, monkeypatch,
                 extra=f'[certificates]\ntrust_roots = ["{root_a}"]\n')
    store_b = b.store()
    try:
        assert store_b.certificates.lookup(code) is None  # B never saw it locally
        assert b.admin("certificate", "verify", str(pdf)) == 0
        credential = load_credential(b.settings.resolved_data_dir(), live_server.url)
        assert credential is not None
        with FleetClient(live_server.url, "T-B", credential.secret) as client:
            registry = CentralFirstRegistry(lambda: client, store_b.certificates)
            assert "张*" in render_page(registry, f"code={code}")

            engine = make_engine(settings.database_url)
            with session_factory(engine)() as session:
                admin.revoke_certificate(session, code, "issued in error", "wang",
                                         settings.clock())
            engine.dispose()
            capsys.readouterr()
            assert b.admin("certificate", "verify", str(pdf)) == 1
            assert "revoked" in capsys.readouterr().out
            assert "REVOKED" in render_page(registry, f"code={code}")
    finally:
        store_b.close()
    # Without its credential B has only its own registry, which never saw the certificate.
    credential_path(b.settings.resolved_data_dir()).unlink()
    assert b.admin("certificate", "verify", str(pdf)) == 1


def test_a_terminal_whose_database_was_reset_keeps_its_events_and_says_why(
    tmp_path: Path, settings: FleetSettings, live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = enrolled(tmp_path, settings, "T-A", live_server.url, monkeypatch)
    store = terminal.store()
    try:
        queries(store, 3)
        assert sender_for(terminal, store, live_server.url).drain(max_failures=2) == 6
    finally:
        store.close()
    for path in terminal.settings.resolved_data_dir().glob("kiosk.sqlite3*"):
        path.unlink()  # a new disk, the same credential
    fresh = terminal.store()
    try:
        queries(fresh, 2)  # seqs 1..4 again, under new keys
        sender = sender_for(terminal, fresh, live_server.url)
        assert sender.drain(max_failures=2) == 0
        assert "other keys" in sender.problem
        assert fresh.outbox.length() == 4 and central(settings) == (3, 6, 0)
    finally:
        fresh.close()

"""The centre compares each audit anchor a terminal reports with what it holds: a terminal's
real store sends its outbox through the real HTTP API (kiosk.fleet_link) to the centre served
on loopback, on PostgreSQL and on SQLite. A cut or rewritten log raises one alert, shown in the
console, listed and acknowledged by fleet-admin, sent to the webhook; a key rotation does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fleet.console.models import Alert
from fleet.db.models import HeldAuditAnchor
from fleet.protocol import AuditAnchor, EnrolRequest, OutboxBatch
from fleet.settings import FleetSettings
from kiosk.fleet_link.client import FleetClient
from kiosk.fleet_link.credential import FleetCredential, save_credential
from kiosk.fleet_link.sender import OutboxSender
from kiosk.store import Store
from kiosk.store.audit import keyed_mac
from kiosk.store.keys import TerminalKeys
from kiosk.store.models import AuditEntry
from kiosk.store.outbox import ANCHOR_EVERY
from tests.fleet.conftest import FakeClock, LiveServer, add_terminal
from tests.fleet.console.helpers import add_user, form_csrf, sign_in
from tests.fleet.console.webhook import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["postgresql", "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
             ) -> FleetSettings:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'fleet.sqlite3'}"
    return FleetSettings(database_url=url, clock=clock, pool_size=4)


class Terminal:
    """A terminal's store and its link to the centre."""

    def __init__(self, data: Path, settings: FleetSettings, url: str, terminal_id: str) -> None:
        token = add_terminal(settings, terminal_id)
        with FleetClient(url, terminal_id) as anonymous:
            secret = anonymous.enrol(EnrolRequest(terminal_id=terminal_id, token=token)).secret
        self.store = Store.open(f"sqlite:///{data / 'kiosk.sqlite3'}", data, terminal_id,
                                fleet_outbox=True)
        self.client = FleetClient(url, terminal_id, secret)
        self.sender = OutboxSender(self.store.outbox, self.client, terminal_id)
        self.id = terminal_id
        self.data = data
        save_credential(data, FleetCredential(terminal_id, secret, "north", url))
        (data / "kiosk.toml").write_text(
            f'demo = true\ndata_dir = "{data}"\nterminal_id = "{terminal_id}"\n\n'
            f'[fleet]\nurl = "{url}"\n')
        (data / "no-journal").mkdir()

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        """kiosk-admin audit verify, with no journalctl on PATH."""
        return subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "--config", str(self.data / "kiosk.toml"),
             "audit", "verify", *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(self.data / "no-journal")})

    def rewrite_with_the_key(self, seq: int) -> None:
        """An intruder with the key: one entry changed, the rest re-chained, the anchor file
        made anew over it."""
        key = self.store.keys.derive("audit-chain")
        with Session(self.store.engine) as session, session.begin():
            previous = None
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
                if entry.seq == seq:
                    entry.outcome = "rewritten"
                if previous is not None:
                    entry.prev_hash = previous
                if entry.seq >= seq:
                    entry.entry_hash = keyed_mac(key, entry)
                previous = entry.entry_hash
        self.store.anchors.file.path.unlink(missing_ok=True)
        assert self.store.anchors.anchor("forged", force=True) is not None

    def write(self, n: int, action: str = "session_end") -> None:
        for _ in range(n):
            self.store.audit.record(action, "ok", actor="system")

    def send(self) -> None:
        self.sender.drain(max_failures=1)
        assert self.store.outbox.length() == 0, self.sender.problem

    def cut_after(self, seq: int) -> None:
        with self.store.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": seq})

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def terminal(tmp_path: Path, settings: FleetSettings, live_server: LiveServer
             ) -> Iterator[Terminal]:
    t = Terminal(tmp_path, settings, live_server.url, "T-1")
    yield t
    t.close()


def alerts(app) -> list[Alert]:  # type: ignore[no-untyped-def]
    with app.state.sessions() as session:
        return list(session.scalars(select(Alert).where(Alert.rule == "audit_rewritten")
                                    .order_by(Alert.id)))


def held(app) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with app.state.sessions() as session:
        return [(r.entry_count, r.epoch) for r in session.scalars(
            select(HeldAuditAnchor).order_by(HeldAuditAnchor.id))]


def test_an_honest_terminal_raises_nothing(terminal: Terminal, live_server: LiveServer) -> None:
    terminal.write(1, "terminal_start")
    terminal.write(2 * ANCHOR_EVERY)
    terminal.send()
    terminal.write(1, "terminal_start")  # a restart anchors again, further on
    terminal.send()
    assert held(live_server.app) == [(1, 1), (50, 1), (100, 1), (102, 1)]
    assert alerts(live_server.app) == []


def test_a_cut_log_is_an_alert_the_console_shows_and_staff_acknowledge(
        terminal: Terminal, live_server: LiveServer, clock: FakeClock) -> None:
    app = live_server.app
    terminal.write(1, "terminal_start")
    terminal.write(ANCHOR_EVERY + 5)
    terminal.send()
    terminal.cut_after(20)  # the tail deleted; the terminal restarts and anchors entry 21
    terminal.write(1, "terminal_start")
    terminal.send()
    (alert,) = alerts(app)
    assert alert.fired_at == clock() and alert.closed_at is None
    assert alert.detail.startswith("the audit log went back from entry 50 to entry 21")
    assert alert.severity == "critical"

    app.state.alerts.evaluate()  # the state rules do not close an event's alert
    assert alerts(app)[0].closed_at is None

    # One reset, one alert: the next anchors are checked against the new chain.
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    assert len(alerts(app)) == 1
    assert [epoch for _, epoch in held(app)] == [1, 1, 2, 2]

    add_user(app)
    with _console(live_server) as browser:
        sign_in(browser)
        page = browser.get("/console/alerts")
        assert 'data-rule="audit_rewritten"' in page.text and "审计日志被改写或重置" in page.text
        assert "went back from entry 50 to entry 21" in page.text
        assert f'action="/console/alerts/{alert.id}/ack"' not in page.text  # not an operator's
        refused = browser.post(f"/console/alerts/{alert.id}/ack",
                               data={"csrf": form_csrf(page.text), "reason": "looks fine"})
        assert refused.status_code == 403 and "需要管理员角色" in refused.text
    (alert,) = alerts(app)
    assert alert.acked_at is None and alert.closed_at is None and alert.ack_reason == ""
    before = held(app)

    add_user(app, "zhao", "admin")
    with _console(live_server) as browser:
        sign_in(browser, "zhao")
        page = browser.get("/console/alerts")
        assert 'name="reason"' in page.text
        unsaid = browser.post(f"/console/alerts/{alert.id}/ack",
                              data={"csrf": form_csrf(page.text)})
        assert unsaid.status_code == 400 and "须写明原因" in unsaid.text
        assert alerts(app)[0].acked_at is None and held(app) == before
        browser.post(f"/console/alerts/{alert.id}/ack",
                     data={"csrf": form_csrf(page.text), "reason": "log wiped by the vendor"})
    (alert,) = alerts(app)
    assert alert.acked_by == "zhao" and alert.closed_at == clock()
    assert alert.ack_reason == "log wiped by the vendor"


def test_a_session_end_anchor_reaches_the_centre_and_a_later_cut_shows(
        terminal: Terminal, live_server: LiveServer) -> None:
    """Between two 50th lines the centre holds the head as of the last session's end."""
    terminal.write(1, "terminal_start")
    terminal.write(29)
    assert terminal.store.anchors.anchor("session_end") is not None
    terminal.send()
    assert held(live_server.app) == [(1, 1), (30, 1)]
    terminal.cut_after(20)
    terminal.write(1, "terminal_start")
    terminal.send()
    (alert,) = alerts(live_server.app)
    assert alert.detail.startswith("the audit log went back from entry 30 to entry 21")


def test_the_same_entry_with_another_mac_is_an_alert(terminal: Terminal,
                                                      live_server: LiveServer) -> None:
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    terminal.cut_after(ANCHOR_EVERY - 10)
    terminal.write(10, "query")  # entry 50 again, another line, another MAC
    terminal.send()
    (alert,) = alerts(live_server.app)
    assert alert.detail.startswith("entry 50 came again with another MAC")


def test_a_key_rotation_keeps_the_chain_and_raises_nothing(
        terminal: Terminal, live_server: LiveServer) -> None:
    """`kiosk-admin keys rotate` replaces the encryption key and keeps the identity key the
    chain is keyed with: the chain goes on, and its anchors name the same key."""
    keys = terminal.store.keys
    assert keys.rotated(b"n" * 32).derive("audit-chain") == keys.derive("audit-chain")
    assert TerminalKeys(b"n" * 32).derive("audit-chain") != keys.derive("audit-chain")
    terminal.write(ANCHOR_EVERY - 1)
    terminal.store.audit.record("key_rotate", "ok", actor="admin", detail="re-encrypted")
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    assert held(live_server.app) == [(50, 1), (100, 1)] and alerts(live_server.app) == []


def test_a_reinstalled_terminal_says_its_key_changed_and_fleet_admin_acknowledges(
        terminal: Terminal, live_server: LiveServer, settings: FleetSettings) -> None:
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    # The reinstalled terminal's chain (another key) anchors through the same API.
    seq = terminal.store.outbox.last_seq() + 1
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    terminal.client.send(OutboxBatch(terminal_id="T-1", events=[
        AuditAnchor(key=f"reinstall-{seq}", seq=seq, occurred_at=now, entry_count=1,
                    head_hash="e" * 64, key_id="0123456789abcdef")]))
    (alert,) = alerts(live_server.app)
    assert "went back from entry 50 to entry 1" in alert.detail
    assert "new audit key (reinstalled terminal?)" in alert.detail

    listed = fleet_admin(settings, "--json", "alert", "list")
    assert listed.returncode == 0, listed.stderr
    assert [(a["id"], a["rule"], a["closed_at"]) for a in json.loads(listed.stdout)] == \
        [(alert.id, "audit_rewritten", None)]
    plain = fleet_admin(settings, "alert", "list", "--terminal", "T-1")
    assert "audit_rewritten" in plain.stdout and "open" in plain.stdout
    unsaid = fleet_admin(settings, "--by", "li", "alert", "ack", str(alert.id))
    assert unsaid.returncode == 1 and "--reason" in unsaid.stderr
    assert alerts(live_server.app)[0].acked_at is None
    done = fleet_admin(settings, "--by", "li", "alert", "ack", str(alert.id),
                       "--reason", "reinstalled after disk failure")
    assert done.returncode == 0, done.stderr
    (alert,) = alerts(live_server.app)
    assert alert.acked_by == "li" and alert.closed_at is not None
    assert alert.ack_reason == "reinstalled after disk failure"
    assert fleet_admin(settings, "alert", "list").stdout.strip() == "no alerts"
    missing = fleet_admin(settings, "alert", "ack", "999999")
    assert missing.returncode == 1 and "no fired alert 999999" in missing.stderr


def test_the_alert_goes_to_the_webhook(terminal: Terminal, live_server: LiveServer) -> None:
    engine = live_server.app.state.alerts
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    terminal.cut_after(3)
    terminal.write(1, "terminal_start")
    terminal.send()
    with Receiver() as receiver:
        engine.webhook_url = receiver.url
        engine.evaluate()
        engine.evaluate()  # delivered once
    assert [(r["terminal_id"], r["rule"]) for r in receiver.received] == \
        [("T-1", "audit_rewritten")]
    assert receiver.received[0]["detail"].startswith("the audit log went back")


def test_verify_centre_catches_a_log_and_anchor_file_rewritten_together(
        terminal: Terminal) -> None:
    terminal.store.anchors.sinks = []  # no journal: only the centre knows better
    terminal.write(1, "terminal_start")
    terminal.write(ANCHOR_EVERY + 5)
    terminal.send()
    terminal.rewrite_with_the_key(10)
    alone = terminal.verify()
    assert alone.returncode == 0, alone.stdout + alone.stderr  # consistent with itself
    asked = terminal.verify("--centre")
    assert asked.returncode == 1, asked.stdout + asked.stderr
    assert "BROKEN: centre anchor of entry 50" in asked.stdout and "MAC differs" in asked.stdout
    assert "centre: 2 anchor(s) checked" in asked.stdout


def test_verify_centre_after_a_reset_staff_acknowledged(
        terminal: Terminal, live_server: LiveServer, settings: FleetSettings) -> None:
    terminal.store.anchors.sinks = []
    terminal.write(ANCHOR_EVERY + 5)
    terminal.send()
    terminal.cut_after(20)  # wiped back to 20 lines by staff, say, with the anchor file
    terminal.store.anchors.file.path.unlink(missing_ok=True)
    terminal.write(1, "terminal_start")
    terminal.send()
    assert terminal.store.anchors.anchor("restart") is not None
    refused = terminal.verify("--centre", "--json")
    out = json.loads(refused.stdout)
    assert refused.returncode == 1 and out["first_disagreement"]["source"] == "centre"
    assert out["first_disagreement"]["seq"] == 50  # not acknowledged: the old chain counts
    (alert,) = alerts(live_server.app)
    assert fleet_admin(settings, "alert", "ack", str(alert.id), "--reason", "wiped").returncode == 0
    accepted = terminal.verify("--centre")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "centre: 1 anchor(s) checked" in accepted.stdout


def test_verify_centre_without_a_centre_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text(f'demo = true\ndata_dir = "{tmp_path}"\n')
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(tmp_path / "kiosk.toml"), "audit",
         "verify", "--centre"], capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1 and "no [fleet] section" in done.stderr
    assert "Traceback" not in done.stderr


def fleet_admin(settings: FleetSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from fleet.cli import admin_main; "
                               "sys.exit(admin_main())",
         "--database-url", settings.database_url, *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT)


def _console(live_server: LiveServer):  # type: ignore[no-untyped-def]
    import httpx

    return httpx.Client(base_url=live_server.url, follow_redirects=True)


def test_a_cut_after_an_open_reset_is_its_own_alert_and_acking_the_first_blesses_only_it(
        terminal: Terminal, live_server: LiveServer, settings: FleetSettings) -> None:
    from fleet.anchor_watch import held as held_by_centre

    app = live_server.app
    terminal.write(ANCHOR_EVERY)
    terminal.send()
    seq = terminal.store.outbox.last_seq() + 1
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

    def anchor(n: int, entry: int, mac: str) -> AuditAnchor:
        return AuditAnchor(key=f"forged-{seq + n}", seq=seq + n, occurred_at=now,
                           entry_count=entry, head_hash=mac * 64, key_id="0123456789abcdef")

    # A new key: the alert opens. The log grows, then is cut back while it is still open.
    terminal.client.send(OutboxBatch(terminal_id="T-1", events=[anchor(0, 1, "e")]))
    terminal.client.send(OutboxBatch(terminal_id="T-1", events=[anchor(1, 60, "f")]))
    terminal.client.send(OutboxBatch(terminal_id="T-1", events=[anchor(2, 30, "a")]))
    first, second = alerts(app)
    assert "new audit key" in first.detail and first.epoch == 2
    assert second.detail.startswith("the audit log went back from entry 60 to entry 30")
    assert second.epoch == 3 and second.fired_at is not None
    with Receiver() as receiver:
        app.state.alerts.webhook_url = receiver.url
        app.state.alerts.evaluate()
    assert [r["detail"][:33] for r in receiver.received] == \
        [first.detail[:33], second.detail[:33]]

    done = fleet_admin(settings, "--by", "li", "alert", "ack", str(first.id), "--reason", "new")
    assert done.returncode == 0, done.stderr
    with app.state.sessions() as session:
        kept = held_by_centre(session.connection(), "T-1")
    # The new key's chain is accepted; the cut of it is not: its anchor of 60 still counts.
    assert [(a.entry_count, a.epoch) for a in kept] == [(30, 3), (60, 2), (1, 2)]

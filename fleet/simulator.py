"""Simulated terminals speaking the fleet protocol (the demo, the load generator, tests).

A `SimulatedTerminal` enrols with its token, sends heartbeats with a printer whose paper runs
down, and keeps an in-memory outbox of events (certificates, usage, device events, audit lines
with masked IDs) numbered 1, 2, 3... that it sends in order and drops only when acked. It is a
stand-in for the terminal's real link in kiosk/, built only on `fleet.protocol`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from fleet import protocol as p

# Services of the bundled catalogue (services_catalog/data), as a real terminal offers them.
SERVICES = (("pension.payment_detail", "养老金发放明细"),
            ("housing_fund.deposit_certificate", "住房公积金缴存证明"),
            ("social_insurance.enrollment_certificate", "个人社保参保证明"))


def random_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


class SimulatedTerminal:
    def __init__(self, terminal_id: str, token: str, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.terminal_id = terminal_id
        self.token = token
        self.secret = ""
        self.clock = clock
        self.started = time.monotonic()
        self.next_seq = 1
        self.outbox: deque[p.OutboxEvent] = deque()
        self.paper = "full"
        self.state: p.TerminalState = "in_service"
        self.reason = ""
        self.config_hash = ""
        self.config: p.ConfigDocument | None = None
        self.issued: list[p.RegistryEntryShape] = []
        self.in_session = False  # remote actions wait while a citizen is served
        self.staff_call = False
        self.sheets_left = 500
        self.actions_run: dict[int, str] = {}  # id -> action: each runs once
        self.actions_to_report: list[p.ActionResult] = []

    @property
    def headers(self) -> dict[str, str]:
        return p.auth_headers(self.terminal_id, self.secret)

    async def enrol(self, client: httpx.AsyncClient) -> p.EnrolResponse:
        body = p.EnrolRequest(terminal_id=self.terminal_id, token=self.token,
                              app_version="sim-1.0")
        response = await client.post(p.ENROL_PATH, json=body.model_dump(mode="json"))
        response.raise_for_status()
        answer = p.EnrolResponse.model_validate(response.json())
        self.secret = answer.secret
        return answer

    def heartbeat_body(self) -> p.Heartbeat:
        printer = {"device": "printer", "state": "online", "ready": self.paper not in
                   ("out", "jammed"), "paper": self.paper, "media": "none",
                   "info": {"sheets_left": str(self.sheets_left)}}
        reader = {"device": "idcard_reader", "state": "online", "ready": True, "card": "absent"}
        oldest = self.outbox[0].occurred_at if self.outbox else None
        return p.Heartbeat(
            terminal_id=self.terminal_id, sent_at=self.clock(), app_version="sim-1.0",
            uptime_s=time.monotonic() - self.started, state=self.state, reason=self.reason,
            devices=[p.DeviceStatusReport.model_validate(d) for d in (printer, reader)],
            config_hash=self.config_hash, outbox_length=len(self.outbox),
            outbox_oldest_at=oldest, in_session=self.in_session, staff_call=self.staff_call,
            actions_done=list(self.actions_to_report),
        )

    async def heartbeat(self, client: httpx.AsyncClient) -> p.HeartbeatAck:
        path = p.HEARTBEAT_PATH.format(terminal_id=self.terminal_id)
        body = self.heartbeat_body()
        response = await client.post(path, json=body.model_dump(mode="json"),
                                     headers=self.headers)
        response.raise_for_status()
        reported = len(body.actions_done)
        ack = p.HeartbeatAck.model_validate(response.json())
        del self.actions_to_report[:reported]  # the centre has them now
        if ack.config_hash != self.config_hash:
            await self.pull_config(client)
        await self.run_actions(client, ack.actions)
        return ack

    async def run_actions(self, client: httpx.AsyncClient,
                          orders: list[p.RemoteActionOrder]) -> None:
        """What the terminal does with remote actions: only at the attract screen (not in a
        session), each id once; the outcome goes back in the next heartbeat."""
        if self.in_session:
            return
        for order in orders:
            if order.id in self.actions_run:
                continue
            self.actions_run[order.id] = order.action
            outcome: str = "ok"
            detail = ""
            if order.action == "reload_config":
                await self.pull_config(client)
            elif order.action == "restart_app":
                self.started = time.monotonic()
            elif order.action != "self_test":
                outcome, detail = "failed", f"unknown action {order.action}"
            self.actions_to_report.append(p.ActionResult(id=order.id, outcome=outcome,
                                                         detail=detail))

    async def pull_config(self, client: httpx.AsyncClient) -> p.ConfigResponse:
        path = p.CONFIG_PATH.format(terminal_id=self.terminal_id)
        response = await client.get(path, headers=self.headers)
        response.raise_for_status()
        config = p.ConfigResponse.model_validate(response.json())
        self.config = config.document
        self.config_hash = p.config_hash(config.document)  # applied: what the terminal holds
        return config

    def catalog(self) -> list[str]:
        """The services this terminal offers under the configuration it has applied."""
        disabled = set(self.config.services_disabled) if self.config else set()
        return [service for service, _ in SERVICES if service not in disabled]

    # --- events ------------------------------------------------------------------------

    def _envelope(self) -> dict[str, Any]:
        envelope = {"key": uuid.uuid4().hex, "seq": self.next_seq, "occurred_at": self.clock()}
        self.next_seq += 1
        return envelope

    def use_service(self, index: int = 0, *, certificate: bool = True) -> None:
        """One citizen session: usage counted, an audit line, and maybe a certificate."""
        service_id, name = SERVICES[index % len(SERVICES)]
        self.outbox.append(p.UsageEvent(**self._envelope(), service_id=service_id,
                                        counter="sessions"))
        self.outbox.append(p.AuditEvent(**self._envelope(), actor="citizen", action="query",
                                        outcome="ok", id_masked="4104**********1238"))
        if certificate:
            content = secrets.token_bytes(16)
            entry = p.RegistryEntryShape(
                verification_code=random_code(),
                content_sha256=hashlib.sha256(content).hexdigest(),
                service_id=service_id, service_name_zh=name, holder_masked_name="张*",
                holder_id_hash=hashlib.sha256(content + b"id").hexdigest(),
                issued_at=self.clock(), terminal_id=self.terminal_id, seal_id="demo-seal",
                demo=True, issuer_name_zh="演示政务服务中心",
            )
            self.issued.append(entry)
            self.sheets_left = max(0, self.sheets_left - 1)
            self.outbox.append(p.CertificateEvent(**self._envelope(), entry=entry))
            self.outbox.append(p.UsageEvent(**self._envelope(), service_id=service_id,
                                            counter="certificates"))

    def paper_change(self, paper: p.PaperName) -> None:
        self.paper = paper
        status = {"device": "printer", "state": "online", "ready": paper not in ("out", "jammed"),
                  "paper": paper, "media": "none", "detail": f"paper {paper}"}
        self.outbox.append(p.DeviceEvent(**self._envelope(),
                                         status=p.DeviceStatusReport.model_validate(status)))

    async def send_outbox(self, client: httpx.AsyncClient, batch_size: int = 100,
                          retries: int = 0) -> int:
        """Send until the outbox is empty; returns how many events the centre acked. A batch
        whose answer is lost (connection dropped) is sent again up to `retries` times: the
        centre's idempotency makes that safe."""
        acked = 0
        attempts_left = retries
        while self.outbox:
            batch = p.OutboxBatch(terminal_id=self.terminal_id,
                                  events=list(self.outbox)[:batch_size])
            path = p.OUTBOX_PATH.format(terminal_id=self.terminal_id)
            try:
                response = await client.post(path, json=batch.model_dump(mode="json"),
                                             headers=self.headers)
            except httpx.TransportError:
                if attempts_left <= 0:
                    raise
                attempts_left -= 1
                await asyncio.sleep(0.5)
                continue
            if response.status_code not in (200, 409):
                response.raise_for_status()
            last_seq = int(response.json()["last_seq"])
            before = len(self.outbox)
            while self.outbox and self.outbox[0].seq <= last_seq:
                self.outbox.popleft()
            if before == len(self.outbox):
                raise RuntimeError(f"the centre holds seq {last_seq}, outbox starts later")
            acked += before - len(self.outbox)
        return acked

"""A small in-process stand-in for the fleet's centre, following fleet.protocol: enough to
test the terminal's sender and heartbeat without a server (httpx.MockTransport).

It can be cut off (every call fails to connect), can die part way through a batch (applies
some events, then the connection drops), and can lose its answer (applies all, then drops).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from pydantic import TypeAdapter

from fleet.protocol import (
    BatchAck,
    ConfigDocument,
    ConfigResponse,
    Heartbeat,
    HeartbeatAck,
    OutboxBatch,
    OutboxEvent,
    config_hash,
)

_EVENTS = TypeAdapter(list[OutboxEvent])


@dataclass
class FakeCentre:
    terminal_id: str = "T-1"
    secret: str = "s3cret-s3cret"
    down: bool = False
    die_after: int | None = None  # apply this many events of the next batch, then drop
    lose_answer: bool = False  # apply the next batch, then drop the connection
    last_seq: int = 0
    keys: set[str] = field(default_factory=set)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    document: ConfigDocument = field(default_factory=ConfigDocument)
    batches: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("Authorization") != f"Bearer {self.secret}":
            return httpx.Response(401, json={"detail": "who are you?"})
        path = request.url.path
        if path.endswith("/outbox"):
            return self._outbox(request)
        if path.endswith("/heartbeat"):
            self.heartbeats.append(Heartbeat.model_validate_json(request.content))
            ack = HeartbeatAck(server_time=datetime.now(UTC), heartbeat_interval_s=30,
                               config_hash=config_hash(self.document))
            return httpx.Response(200, content=ack.model_dump_json())
        if path.endswith("/config"):
            answer = ConfigResponse(terminal_id=self.terminal_id, document=self.document,
                                    hash=config_hash(self.document), revision=1)
            return httpx.Response(200, content=answer.model_dump_json())
        return httpx.Response(404)

    def _outbox(self, request: httpx.Request) -> httpx.Response:
        batch = OutboxBatch.model_validate_json(request.content)
        self.batches += 1
        applied = duplicates = 0
        new = [e for e in batch.events if e.seq > self.last_seq]
        if new and new[0].seq != self.last_seq + 1:
            ack = BatchAck(last_seq=self.last_seq)
            return httpx.Response(409, content=ack.model_dump_json())
        duplicates = len(batch.events) - len(new)
        for n, event in enumerate(new):
            if self.die_after is not None and n == self.die_after:
                self.die_after = None
                raise httpx.RemoteProtocolError("server went away", request=request)
            assert event.key not in self.keys
            self.keys.add(event.key)
            self.last_seq = event.seq
            self.counts[_what(event)] += 1
            applied += 1
        if self.lose_answer:
            self.lose_answer = False
            raise httpx.ReadError("connection reset", request=request)
        ack = BatchAck(last_seq=self.last_seq, applied=applied, duplicates=duplicates)
        return httpx.Response(200, content=ack.model_dump_json())


def _what(event: object) -> tuple[str, str]:
    data = json.loads(event.model_dump_json())  # type: ignore[attr-defined]
    kind = data["kind"]
    if kind == "usage":
        return kind, f"{data['service_id']}/{data['counter']}"
    if kind == "audit":
        return kind, data["action"]
    return kind, ""

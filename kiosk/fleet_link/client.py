"""The HTTP calls a terminal makes to the centre (httpx), each one request, typed both ways.

A link that is down, slow or answering 5xx raises `LinkDown` (try again later); a refusal that
trying again will not fix (401, 403, a bad answer) raises `LinkRefused`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from fleet.protocol import (
    AUDIT_ANCHORS_PATH,
    CONFIG_PATH,
    ENROL_PATH,
    HEARTBEAT_PATH,
    OUTBOX_PATH,
    REGISTRY_PATH,
    BatchAck,
    ConfigResponse,
    EnrolRequest,
    EnrolResponse,
    Heartbeat,
    HeartbeatAck,
    HeldAnchors,
    OutboxBatch,
    RegistryLookup,
    auth_headers,
)

T = TypeVar("T", bound=BaseModel)


class LinkDown(Exception):
    """The centre cannot be reached or cannot answer now; try again later."""


class LinkRefused(Exception):
    """The centre answered, and no retry will change its answer."""

    def __init__(self, message: str, status: int = 0,
                 answer: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.answer = answer


class BatchRefused(LinkRefused):
    """The centre refused a batch (409) and said what it holds (`ack.last_seq`)."""

    def __init__(self, ack: BatchAck, detail: str) -> None:
        super().__init__(f"the centre refused the batch: {detail or 'sequence conflict'}", 409)
        self.ack = ack


class FleetClient:
    def __init__(self, base_url: str, terminal_id: str, secret: str = "", *,
                 timeout_s: float = 10.0, ca_file: Path | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.terminal_id = terminal_id
        headers = auth_headers(terminal_id, secret) if secret else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s,
            verify=str(ca_file) if ca_file else True, transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FleetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _path(self, template: str) -> str:
        return template.format(terminal_id=quote(self.terminal_id, safe=""))

    def _call(self, method: str, path: str, answer: type[T], body: BaseModel | None = None,
              ok: tuple[int, ...] = (200,), label: str = "") -> T:
        """One request; `label` names it in messages instead of the path (which may hold a
        verification code, kept out of logs)."""
        label = label or f"{method} {path}"
        content = body.model_dump_json() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise LinkDown(f"{label}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise LinkDown(f"{label}: the centre answered {response.status_code}")
        if response.status_code not in ok:
            raise LinkRefused(f"{label}: the centre answered {response.status_code} "
                              f"{_reason(response)}", response.status_code, response)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise LinkRefused(f"{label}: unexpected answer ({exc.errors()[0]['msg']})",
                              response.status_code) from None

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        return self._call("POST", ENROL_PATH, EnrolResponse, request, ok=(200, 201))

    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck:
        return self._call("POST", self._path(HEARTBEAT_PATH), HeartbeatAck, beat)

    def config(self) -> ConfigResponse:
        return self._call("GET", self._path(CONFIG_PATH), ConfigResponse)

    def send(self, batch: OutboxBatch) -> BatchAck:
        """Raises BatchRefused (409: the batch does not continue what the centre holds)."""
        try:
            return self._call("POST", self._path(OUTBOX_PATH), BatchAck, batch)
        except LinkRefused as exc:
            if exc.status != 409 or exc.answer is None:
                raise
            try:
                ack = BatchAck.model_validate_json(exc.answer.content)
            except ValidationError:
                raise exc from None
            raise BatchRefused(ack, _detail(exc.answer)) from None

    def audit_anchors(self) -> HeldAnchors:
        """The anchors of this terminal's audit chain the centre holds, newest first."""
        return self._call("GET", self._path(AUDIT_ANCHORS_PATH), HeldAnchors)

    def lookup(self, code: str) -> RegistryLookup | None:
        try:
            return self._call("GET", REGISTRY_PATH.format(code=quote(code, safe="")),
                              RegistryLookup, label="registry look-up")
        except LinkRefused as exc:
            if exc.status == 404:
                return None
            raise


def _detail(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
    except ValueError:
        return ""
    detail = data.get("detail") if isinstance(data, dict) else None
    return detail if isinstance(detail, str) else ""


def _reason(response: httpx.Response) -> str:
    detail = _detail(response)
    return f"({detail})" if detail else ""

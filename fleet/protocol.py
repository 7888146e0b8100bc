"""The data shapes a terminal and the central service exchange (pydantic, no I/O).

This is the only module the terminal (`kiosk`) and the centre (`fleet`) share. It changes only
by addition: new optional fields, new event kinds, new paths. Unknown fields are ignored on
both sides, so a newer terminal talks to an older centre and the other way round.

Conventions:
- Every datetime is timezone-aware (ISO 8601 with offset on the wire).
- A terminal authenticates every call after enrolment with `auth_headers(terminal_id,
  secret)`; a path that names another terminal answers 403, an unknown or revoked terminal or
  a wrong secret 401.
- Outbox events carry an idempotency `key` (unique forever, e.g. a UUID4 in hex) and a
  per-terminal `seq`: 1 for the terminal's first event, then +1 for each event, no gaps, sent
  in order. The centre applies an event exactly once; a resent event with the same key and
  seq is acknowledged again and not counted twice. A batch whose first new event is not the
  next `seq` the centre expects is refused with 409 and a `BatchAck` telling what it holds.
- No citizen's name or ID number in clear anywhere in this protocol: masked forms and keyed
  hashes only. The centre refuses an event whose text carries an unmasked ID number, of any
  card the terminal accepts (the rule is services_catalog's, which both sides may import).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services_catalog.model import holder_number_in

PROTOCOL_VERSION = 1

# Paths on the central service. `{terminal_id}` is the caller's own id.
ENROL_PATH = "/api/v1/enrol"
HEARTBEAT_PATH = "/api/v1/terminals/{terminal_id}/heartbeat"
CONFIG_PATH = "/api/v1/terminals/{terminal_id}/config"
OUTBOX_PATH = "/api/v1/terminals/{terminal_id}/outbox"
AUDIT_ANCHORS_PATH = "/api/v1/terminals/{terminal_id}/audit-anchors"  # what the centre holds
REGISTRY_PATH = "/api/v1/registry/{code}"  # code in grouped form XXXX-XXXX-XXXX-XXXX
VERIFY_PATH = "/verify"  # public page; the QR code's URL, ?code=...&sha256=...
HEALTH_PATH = "/health"

TERMINAL_HEADER = "X-Fleet-Terminal"
DEFAULT_HEARTBEAT_INTERVAL_S = 30.0
MISSED_HEARTBEATS_OFFLINE = 3  # three missed intervals and a terminal counts as offline
MAX_BATCH_EVENTS = 500

TERMINAL_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


def auth_headers(terminal_id: str, secret: str) -> dict[str, str]:
    """The headers of every authenticated call a terminal makes."""
    return {TERMINAL_HEADER: terminal_id, "Authorization": f"Bearer {secret}"}


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


TerminalId = Annotated[str, Field(pattern=TERMINAL_ID_PATTERN)]


# --- Enrolment -----------------------------------------------------------------------------


class EnrolRequest(_Shape):
    """Sent once with the one-time token that `fleet-admin terminal add` printed."""

    terminal_id: TerminalId
    token: str = Field(min_length=8, max_length=200)
    app_version: str = ""


class EnrolResponse(_Shape):
    """The terminal's own secret (shown once, kept hashed centrally) and its settings."""

    terminal_id: TerminalId
    secret: str
    group: str
    heartbeat_interval_s: float = DEFAULT_HEARTBEAT_INTERVAL_S
    verify_url: str = ""  # the central verification page to print in QR codes ("" = keep own)
    server_time: AwareDatetime


# --- Device status: the shape of devices.status.DeviceStatus.to_json() ---------------------

DeviceClassName = Literal["idcard_reader", "camera", "printer", "receipt_printer", "seal"]
DeviceStateName = Literal[
    "online", "offline", "power_off", "no_device", "hardware_error", "user_error", "busy",
    "starting",
]
PaperName = Literal["full", "low", "out", "jammed", "unknown"]
MediaName = Literal["none", "present", "taken", "retracted", "unknown"]
PresenceName = Literal["present", "absent", "unknown"]


class DeviceStatusReport(_Shape):
    """One device's snapshot, exactly `DeviceStatus.to_json()` (validate that dict directly)."""

    device: DeviceClassName
    state: DeviceStateName
    ready: bool
    detail: str = ""
    capabilities: dict[str, Any] = Field(default_factory=dict)
    info: dict[str, str] = Field(default_factory=dict)
    paper: PaperName | None = None  # printers only
    media: MediaName | None = None  # printers only
    card: PresenceName | None = None  # readers only
    face: PresenceName | None = None  # cameras only

    @field_validator("detail")
    @classmethod
    def _no_clear_id(cls, value: str) -> str:
        return _refuse_clear_id(value)


# --- Heartbeat -----------------------------------------------------------------------------

TerminalState = Literal["in_service", "out_of_service"]


# Remote actions an operator may ask of a terminal (RemoteActionOrder.action). A terminal
# runs one only at its attract screen, never during a citizen's session, and reports it in a
# later heartbeat's `actions_done`. The centre repeats an order in every answer until then,
# so the terminal keeps the ids it has run (across a restart too) and runs each once.
REMOTE_ACTIONS = ("reload_config", "self_test", "restart_app")


class RemoteActionOrder(_Shape):
    id: int
    action: str  # one of REMOTE_ACTIONS; a terminal reports an unknown one "failed"


class ActionResult(_Shape):
    id: int
    outcome: Literal["ok", "failed"]
    detail: str = Field(default="", max_length=200)

    @field_validator("detail")
    @classmethod
    def _no_clear_id(cls, value: str) -> str:
        return _refuse_clear_id(value)


class Heartbeat(_Shape):
    terminal_id: TerminalId
    sent_at: AwareDatetime
    app_version: str
    uptime_s: float = Field(ge=0)
    state: TerminalState
    reason: str = ""  # why out of service, plain language; "" when in service
    devices: list[DeviceStatusReport] = Field(default_factory=list)
    config_hash: str = ""  # hash of the configuration the terminal has applied
    outbox_length: int = Field(default=0, ge=0)
    outbox_oldest_at: AwareDatetime | None = None  # when the oldest unsent event happened
    in_session: bool = False  # a citizen is using the terminal right now
    staff_call: bool = False  # a citizen pressed "call staff" and nobody has come yet
    actions_done: list[ActionResult] = Field(default_factory=list)

    @field_validator("reason")
    @classmethod
    def _no_clear_id(cls, value: str) -> str:
        return _refuse_clear_id(value)


class HeartbeatAck(_Shape):
    server_time: AwareDatetime
    heartbeat_interval_s: float
    config_hash: str  # the configuration the centre wants; pull CONFIG_PATH when it differs
    actions: list[RemoteActionOrder] = Field(default_factory=list)  # to run at the attract screen


# --- Configuration -------------------------------------------------------------------------


class OpeningHours(_Shape):
    """Open from `opens` to `closes` (local "HH:MM") on the given ISO weekdays (1 = Monday)."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[1, 2, 3, 4, 5, 6, 7])
    opens: str = Field(default="00:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    closes: str = Field(default="24:00", pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")


class Notice(_Shape):
    """A line for the attract screen, in both languages."""

    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(default="", max_length=300)


class ConfigDocument(_Shape):
    """What the centre decides for one terminal: group settings, then the terminal's own.

    `services_enabled` / `services_disabled` switch catalog services on or off over the
    catalog's own flags (as kiosk's [services] section does). Empty `opening_hours` means
    always open. Empty `hall_phone` means keep the terminal's own.
    """

    services_enabled: list[str] = Field(default_factory=list)
    services_disabled: list[str] = Field(default_factory=list)
    opening_hours: list[OpeningHours] = Field(default_factory=list)
    hall_phone: str = ""
    notices: list[Notice] = Field(default_factory=list)
    heartbeat_interval_s: float = Field(default=DEFAULT_HEARTBEAT_INTERVAL_S, ge=1, le=3600)


def config_hash(document: ConfigDocument) -> str:
    """SHA-256 (hex) of the document's canonical JSON; both sides compute it the same way."""
    data = document.model_dump(mode="json")
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ConfigResponse(_Shape):
    terminal_id: TerminalId
    hash: str
    document: ConfigDocument
    revision: int  # grows with every central change that reaches this terminal
    changed_at: AwareDatetime | None = None


# --- Registry ------------------------------------------------------------------------------


class RegistryEntryShape(_Shape):
    """printing.registry.RegistryEntry on the wire (`RegistryEntry.to_dict()` validates)."""

    verification_code: str = Field(pattern=r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    service_id: str = Field(max_length=64)
    service_name_zh: str = Field(max_length=200)
    # The public page shows it: a surname's one or two characters and stars (张*, 欧阳**,
    # services_catalog.model.mask_name); a name in clear is refused.
    holder_masked_name: str = Field(max_length=32, pattern=r"^([^*\s]{0,2}\*+|[^*\s]?)$")
    holder_id_hash: str = Field(pattern=r"^[0-9a-f]{64}$")  # keyed hash, never the number
    issued_at: AwareDatetime
    terminal_id: TerminalId
    seal_id: str = Field(max_length=200)
    demo: bool
    pdf_sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    issuer_name_zh: str = Field(default="", max_length=200)
    seal_level: str = Field(default="B-B", pattern=r"^B-(B|T|LT|LTA)$")  # PAdES level reached

    @field_validator("service_id", "service_name_zh", "seal_id", "issuer_name_zh")
    @classmethod
    def _masked_only(cls, value: str) -> str:
        return _refuse_clear_id(value)


class RegistryLookup(_Shape):
    """Answer of REGISTRY_PATH (404 when the centre has no such code)."""

    entry: RegistryEntryShape
    revoked: bool = False
    revoked_reason: str = ""
    revoked_at: AwareDatetime | None = None


# --- Outbox --------------------------------------------------------------------------------


class _Event(_Shape):
    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    seq: int = Field(ge=1, le=2**63 - 1)  # the ledger's BIGINT: larger is a 422, not a 500
    occurred_at: AwareDatetime


def _refuse_clear_id(value: str) -> str:
    # The terminal's own rule (services_catalog.model), so every card it accepts is covered:
    # resident ID cards, Hong Kong/Macao/Taiwan residence permits, and both foreign permanent
    # resident card layouts (15 characters, 2017; 18 characters, 2023).
    if holder_number_in(value):
        raise ValueError("an unmasked ID number must not leave the terminal")
    return value


class CertificateEvent(_Event):
    kind: Literal["certificate"] = "certificate"
    entry: RegistryEntryShape


class AuditEvent(_Event):
    """One audit-log line: masked ID only (`4104**********1238`), never in clear."""

    kind: Literal["audit"] = "audit"
    actor: str = Field(max_length=16)
    action: str = Field(max_length=48)
    outcome: str = Field(max_length=48)
    id_masked: str = Field(default="", max_length=24)
    detail: str = Field(default="", max_length=200)
    entry_hash: str = ""  # the entry's hash in the terminal's chain

    @field_validator("id_masked", "detail", "action", "outcome")
    @classmethod
    def _masked_only(cls, value: str) -> str:
        return _refuse_clear_id(value)


class UsageEvent(_Event):
    """A counter increment, e.g. service "pension_statement", counter "sessions", delta 1."""

    kind: Literal["usage"] = "usage"
    service_id: str = Field(max_length=64)
    counter: str = Field(max_length=32, pattern=r"^[a-z_]+$")
    delta: int = Field(default=1, ge=1, le=1_000_000)


class DeviceEvent(_Event):
    """A device changed state (paper low, jam, offline, recovered...)."""

    kind: Literal["device"] = "device"
    status: DeviceStatusReport

    @field_validator("status")
    @classmethod
    def _no_personal_detail(cls, value: DeviceStatusReport) -> DeviceStatusReport:
        _refuse_clear_id(value.detail)
        return value


class AuditAnchor(_Event):
    """The head of the terminal's audit hash chain at a moment: kept centrally, it makes a
    later rewrite of the terminal's log visible."""

    kind: Literal["audit_anchor"] = "audit_anchor"
    entry_count: int = Field(ge=0)
    head_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    # Names the chain's key (not the key): a new one means a new chain, not a rewritten one.
    key_id: str = Field(default="", pattern=r"^([0-9a-f]{16})?$")


class HeldAnchor(_Shape):
    """An anchor of the terminal's chain as the centre holds it."""

    entry_count: int = Field(ge=0)
    head_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    key_id: str = ""
    epoch: int = 1
    occurred_at: AwareDatetime


class HeldAnchors(_Shape):
    """Answer of AUDIT_ANCHORS_PATH: the anchors the terminal's log must still agree with
    (newest first), those of chains before an acknowledged reset left out."""

    terminal_id: TerminalId
    anchors: list[HeldAnchor]


OutboxEvent = Annotated[
    CertificateEvent | AuditEvent | UsageEvent | DeviceEvent | AuditAnchor,
    Field(discriminator="kind"),
]


class OutboxBatch(_Shape):
    terminal_id: TerminalId
    events: list[OutboxEvent] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class BatchAck(_Shape):
    """`last_seq`: the highest seq the centre holds for this terminal, all before it too.
    A terminal may drop every local event with seq <= last_seq."""

    last_seq: int
    applied: int = 0  # events new to the centre in this batch
    duplicates: int = 0  # events it already had (a resend), not counted again

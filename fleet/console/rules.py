"""Alert rules: which conditions a terminal's latest word (or silence) raises (pure).

Each condition says since when it holds, when that is known (the last heartbeat, the oldest
unsent event), and how long it must hold before it fires. The evaluator remembers when it
first saw a condition whose start the terminal does not tell (out of service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

OFFLINE_AFTER = timedelta(seconds=90)
OUT_OF_SERVICE_AFTER = timedelta(minutes=5)
OUTBOX_LAG_AFTER = timedelta(minutes=10)
NOW = timedelta(0)

AUDIT_REWRITTEN = "audit_rewritten"
RULES = ("offline_90s", "paper_out", "jam", "paper_low", "out_of_service_5min",
         "outbox_lag_10min", "staff_call", AUDIT_REWRITTEN)
# Raised by what a terminal sent (fleet.anchor_watch), not by a state that can pass: such an
# alert stays open until staff acknowledge it.
EVENT_RULES = frozenset({AUDIT_REWRITTEN})


@dataclass(frozen=True)
class Snapshot:
    terminal_id: str
    last_seen_at: datetime | None
    reported_state: str  # in_service | out_of_service (what the terminal said last)
    reason: str
    devices: list[dict[str, Any]]
    outbox_oldest_at: datetime | None
    staff_call: bool


@dataclass(frozen=True)
class Condition:
    rule: str
    severity: str  # critical | warning
    detail: str
    since: datetime | None  # None: from when the evaluator first saw it
    delay: timedelta


def conditions(snap: Snapshot, now: datetime, offline_after: timedelta = OFFLINE_AFTER
               ) -> list[Condition]:
    """What holds for this terminal now. A silent terminal raises only `offline`: what it
    said before going quiet is stale."""
    if snap.last_seen_at is None:
        return []  # enrolled, never heard from: nothing to say yet
    if now - snap.last_seen_at > offline_after:
        return [Condition("offline_90s", "critical", "", snap.last_seen_at, offline_after)]
    found = []
    for device in snap.devices:
        paper, name = device.get("paper"), device.get("device", "")
        if paper == "out":
            found.append(Condition("paper_out", "critical", name, None, NOW))
        elif paper == "jammed":
            found.append(Condition("jam", "critical", name, None, NOW))
        elif paper == "low":
            found.append(Condition("paper_low", "warning", name, None, NOW))
    if snap.reported_state == "out_of_service":
        found.append(Condition("out_of_service_5min", "critical", snap.reason[:200], None,
                               OUT_OF_SERVICE_AFTER))
    if snap.outbox_oldest_at is not None:
        found.append(Condition("outbox_lag_10min", "warning", "", snap.outbox_oldest_at,
                               OUTBOX_LAG_AFTER))
    if snap.staff_call:
        found.append(Condition("staff_call", "critical", "", None, NOW))
    # One alert per rule: two printers out of paper are one visit.
    unique: dict[str, Condition] = {}
    for condition in found:
        unique.setdefault(condition.rule, condition)
    return list(unique.values())

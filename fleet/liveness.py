"""What state a terminal is in, seen from the centre (pure).

A terminal that has not been heard from for MISSED_HEARTBEATS_OFFLINE of the intervals the
centre asked it to keep counts as offline, whatever it said last.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fleet.protocol import MISSED_HEARTBEATS_OFFLINE

FleetState = Literal["in_service", "out_of_service", "offline", "not_enrolled", "revoked"]
FLEET_STATES: tuple[FleetState, ...] = (
    "in_service", "out_of_service", "offline", "not_enrolled", "revoked",
)


def offline_after(last_seen_at: datetime, interval_s: float) -> datetime:
    return last_seen_at + timedelta(seconds=interval_s * MISSED_HEARTBEATS_OFFLINE)


def fleet_state(
    *,
    now: datetime,
    enrolled: bool,
    revoked: bool,
    last_seen_at: datetime | None,
    interval_s: float | None,
    reported_state: str | None,
) -> FleetState:
    if revoked:
        return "revoked"
    if not enrolled:
        return "not_enrolled"
    if last_seen_at is None or interval_s is None:
        return "offline"  # enrolled, never heard from since
    if now >= offline_after(last_seen_at, interval_s):
        return "offline"
    return "out_of_service" if reported_state == "out_of_service" else "in_service"

"""The central service's settings (command line -> this; tests build it directly)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from fleet.protocol import DEFAULT_HEARTBEAT_INTERVAL_S


def default_database_url() -> str:
    """The embedded default: SQLite in the user's data directory (a one-box demo)."""
    return f"sqlite:///{Path(user_data_dir('gov-kiosk-fleet')) / 'fleet.sqlite3'}"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FleetSettings:
    database_url: str = field(default_factory=default_database_url)
    heartbeat_interval_s: float = DEFAULT_HEARTBEAT_INTERVAL_S
    # The public verification page: a token bucket per client address.
    verify_rate_per_s: float = 0.5
    verify_burst: float = 20
    # Enrolment tokens are 256 random bits; the limit only keeps a noisy client down.
    enrol_rate_per_s: float = 1.0
    enrol_burst: float = 30
    public_url: str = ""  # how the world reaches this service, e.g. https://verify.example.gov
    enrol_token_ttl_h: float = 72
    pool_size: int = 10
    # Seconds to wait for the database to answer a new connection (PostgreSQL's
    # connect_timeout; a `connect_timeout` in the URL wins).
    database_connect_timeout_s: float = 10.0
    # The operations console: how often alert rules run (0: never, tests run them by hand),
    # and where alerts are POSTed as JSON ("" = shown on the console only).
    alert_interval_s: float = 15
    alert_webhook_url: str = ""
    clock: Callable[[], datetime] = utc_now

    @property
    def verify_url(self) -> str:
        return self.public_url.rstrip("/") + "/verify" if self.public_url else ""

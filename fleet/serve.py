"""Running the service under uvicorn, in one process or several workers.

Workers are separate processes, so they build the application from the environment
(`FLEET_*` variables that `fleet-server` sets from its command line).
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from fleet.app import create_app
from fleet.settings import FleetSettings

_ENV = {
    "database_url": ("FLEET_DATABASE_URL", str),
    "heartbeat_interval_s": ("FLEET_HEARTBEAT_INTERVAL_S", float),
    "verify_rate_per_s": ("FLEET_VERIFY_RATE_PER_S", float),
    "verify_burst": ("FLEET_VERIFY_BURST", float),
    "enrol_rate_per_s": ("FLEET_ENROL_RATE_PER_S", float),
    "enrol_burst": ("FLEET_ENROL_BURST", float),
    "public_url": ("FLEET_PUBLIC_URL", str),
    "pool_size": ("FLEET_POOL_SIZE", int),
    "database_connect_timeout_s": ("FLEET_DATABASE_CONNECT_TIMEOUT_S", float),
    "alert_interval_s": ("FLEET_ALERT_INTERVAL_S", float),
    "alert_webhook_url": ("FLEET_ALERT_WEBHOOK_URL", str),
}


def settings_to_env(settings: FleetSettings) -> dict[str, str]:
    return {name: str(getattr(settings, field)) for field, (name, _) in _ENV.items()}


def settings_from_env() -> FleetSettings:
    values = {}
    for field, (name, kind) in _ENV.items():
        if name in os.environ:
            values[field] = kind(os.environ[name])
    return FleetSettings(**values)  # type: ignore[arg-type]


def app_from_env() -> FastAPI:
    """uvicorn's application factory for worker processes (migrations already ran)."""
    return create_app(settings_from_env(), run_migrations=False)


def run(settings: FleetSettings, host: str, port: int, workers: int = 1) -> None:
    """Serve until stopped. The access log is off: request lines carry verification codes."""
    # Keep-alive longer than a heartbeat interval, so a terminal reuses its connection.
    common = {"host": host, "port": port, "access_log": False, "log_level": "warning",
              "timeout_graceful_shutdown": 5, "timeout_keep_alive": 75}
    if workers <= 1:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return
    create_app(settings).state.engine.dispose()  # migrate once, before the workers start
    os.environ.update(settings_to_env(settings))
    uvicorn.run("fleet.serve:app_from_env", factory=True, workers=workers,
                **common)  # type: ignore[arg-type]

"""Opening the central database and migrating it to the newest schema.

PostgreSQL in production (`postgresql://...`, through psycopg 3); SQLite as the embedded
default of a one-box demo. The migrations keep their own version table, so the fleet's schema
can share a database with a terminal's store without the two histories mixing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, func, make_url, select
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "fleet_alembic_version"
_MIGRATION_LOCK_KEY = 0x666C656574_6D6967  # "fleetmig": PostgreSQL advisory lock while migrating
DEFAULT_CONNECT_TIMEOUT_S = 10.0


# libpq's TCP keepalive and user-timeout settings (seconds; tcp_user_timeout in ms).
TCP_LIVENESS = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10,
                "keepalives_count": 3, "tcp_user_timeout": 30_000}


def connect_args(url: URL, connect_timeout_s: float) -> dict[str, Any]:
    """libpq's own default waits for ever on a server that took the connection and never
    answers: give it a deadline (whole seconds, at least 2, as libpq counts), unless the URL
    names its own `connect_timeout`."""
    if url.get_backend_name() != "postgresql":
        return {}
    args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = max(2, math.ceil(connect_timeout_s))
    # A connection the network dropped silently (a NAT or firewall forgetting it) is found in
    # about 90 s and unacknowledged sends give up after 30 s, instead of a request hanging
    # for the kernel's 15 minutes on a kept connection. The URL's own settings win.
    for name, value in TCP_LIVENESS.items():
        if name not in url.query:
            args[name] = value
    return args


def make_engine(url: str, *, pool_size: int = 10,
                connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    # The server's request threads share the pool; a burst beyond it waits, not fails. No
    # pre-ping (a round trip per checkout, on the heartbeat path): a dropped connection fails
    # one request, SQLAlchemy then discards the whole pool, and the terminal retries.
    # At most 2 x pool_size connections, as with pool_size + as many "overflow" ones, but all
    # kept once opened: overflow connections are closed as soon as the load dips, and under
    # heartbeat load that meant a new PostgreSQL connection for about every 20 requests.
    return create_engine(
        parsed, pool_size=2 * pool_size, max_overflow=0, pool_timeout=30, pool_recycle=1800,
        connect_args=connect_args(parsed, connect_timeout_s),
    )


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

"""Opening the database: engine, WAL mode for SQLite, and migrations to the latest schema.

A PostgreSQL URL works too (`postgresql://user@host/db`, through psycopg 3).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, func, make_url, select
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL advisory lock key held while migrating (any constant, fixed forever).
_MIGRATION_LOCK_KEY = 0x6B696F736B_6D6967  # "kioskmig"
DEFAULT_CONNECT_TIMEOUT_S = 10.0


# libpq's TCP keepalive and user-timeout settings (seconds; tcp_user_timeout in ms).
TCP_LIVENESS = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10,
                "keepalives_count": 3, "tcp_user_timeout": 30_000}


def connect_args(url: URL, connect_timeout_s: float) -> dict[str, Any]:
    """libpq's own default waits for ever on a server that took the connection and never
    answers (a start or a citizen's request would hang): give it a deadline (whole seconds,
    at least 2, as libpq counts), unless the URL names its own `connect_timeout`."""
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


def make_engine(url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # The driver the project depends on; older SQLAlchemy would otherwise pick psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True,
                           connect_args=connect_args(parsed, connect_timeout_s))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # WAL: readers never block the writer; a power cut loses at most the last commit.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is already there)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two programs starting on a fresh database (the terminal and kiosk-admin) would
            # both create the tables; the second waits here and then finds them at head.
            connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

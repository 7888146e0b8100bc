"""The ASGI application: routes, the database and the headers every answer carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleet.body_limit import BodyLimit
from fleet.config_store import MergedConfigCache
from fleet.console.alerts import AlertEngine, AlertLoop
from fleet.console.routes import router as console_router
from fleet.console.web import install_error_pages
from fleet.db.engine import make_engine, migrate, session_factory
from fleet.metrics import FleetMetrics
from fleet.ratelimit import TokenBuckets
from fleet.routes import (
    audit_anchors,
    config,
    enrol,
    heartbeat,
    outbox,
    registry,
    verify_page,
)
from fleet.routes import metrics as metrics_route
from fleet.settings import FleetSettings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # JSON and text answers need nothing; the verification page sets its own, narrower one.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
}

_ENCODED = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer that does not set its own (plain ASGI: cheaper
    than a BaseHTTPMiddleware on the heartbeat path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _ENCODED if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: FleetSettings, *, run_migrations: bool = True) -> FastAPI:
    engine = make_engine(settings.database_url, pool_size=settings.pool_size,
                         connect_timeout_s=settings.database_connect_timeout_s)
    if run_migrations:
        migrate(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # No more request threads than database connections (2 x pool_size, 20 by default):
        # the rest would only wait for a connection, each one more thread taking turns at the
        # interpreter lock.
        to_thread.current_default_thread_limiter().total_tokens = max(
            2 * settings.pool_size, 4)
        _app.state.alert_loop.start()
        yield
        await _app.state.alert_loop.stop()
        engine.dispose()

    app = FastAPI(title="gov-kiosk fleet", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    # Reads and one-statement writes on the hot paths: no BEGIN/COMMIT round trips.
    app.state.autocommit_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    app.state.sessions = session_factory(engine)
    app.state.clock = settings.clock
    app.state.verify_buckets = TokenBuckets(settings.verify_rate_per_s, settings.verify_burst)
    app.state.enrol_buckets = TokenBuckets(settings.enrol_rate_per_s, settings.enrol_burst)
    app.state.metrics = FleetMetrics(app.state.sessions, settings)
    app.state.config_cache = MergedConfigCache()
    app.state.alerts = AlertEngine(app.state.sessions, settings.clock,
                                   settings.alert_webhook_url, settings.public_url)
    app.state.alert_loop = AlertLoop(app.state.alerts, settings.alert_interval_s)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # outermost: refused before anything reads the body

    @app.get("/health")
    def health() -> JSONResponse:
        # Up means able to serve: a server whose database is gone says so (503), and says
        # "ok" again by itself once the database is back (the pool reconnects).
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "database unavailable"}, 503)
        return JSONResponse({"status": "ok"})

    # Routes are matched in order: the terminals' and the public page's first, so a heartbeat
    # or a look-up is not tried against every console page before it finds its own.
    for module in (heartbeat, verify_page, outbox, config, enrol, registry, metrics_route,
                   audit_anchors):
        app.include_router(module.router)
    app.include_router(console_router)  # the operations console, and `/` leads to it
    install_error_pages(app)
    return app

"""The ASGI application: routes, the database and the headers every answer carries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from fleet.db.engine import make_engine, migrate, session_factory
from fleet.metrics import FleetMetrics
from fleet.ratelimit import TokenBuckets
from fleet.routes import config, enrol, heartbeat, outbox, registry, verify_page
from fleet.routes import metrics as metrics_route
from fleet.settings import FleetSettings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # JSON and text answers need nothing; the verification page sets its own, narrower one.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
}


def create_app(settings: FleetSettings, *, run_migrations: bool = True) -> FastAPI:
    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    if run_migrations:
        migrate(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="gov-kiosk fleet", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.clock = settings.clock
    app.state.verify_buckets = TokenBuckets(settings.verify_rate_per_s, settings.verify_burst)
    app.state.enrol_buckets = TokenBuckets(1.0, 10)
    app.state.metrics = FleetMetrics(app.state.sessions, settings)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/health")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    for module in (enrol, heartbeat, config, outbox, registry, verify_page, metrics_route):
        app.include_router(module.router)
    return app

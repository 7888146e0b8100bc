"""GET /verify: the page a phone opens from a certificate's QR code (rate limited)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from fleet import registry
from fleet.protocol import VERIFY_PATH, RegistryLookup
from fleet.routes.deps import client_address
from printing import verify_page as page
from printing.codes import InvalidVerificationCode, normalize_code

router = APIRouter()


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers=headers)
    response.headers["Content-Security-Policy"] = page.CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(VERIFY_PATH)
async def verify(request: Request) -> HTMLResponse:
    """Reads its query itself (cheaper than declared parameters, as for heartbeats); only the
    database look-up runs in the thread pool."""
    query = request.query_params
    typed = query.get("code", "").strip()
    if not typed:
        return _html(page.render("", ""))
    metrics = request.app.state.metrics
    buckets = request.app.state.verify_buckets
    address = client_address(request)
    if not buckets.allow(address):
        metrics.verifications.labels("rate_limited").inc()
        retry = str(max(1, round(buckets.retry_after_s(address))))
        return _html(page.render(typed, page.TOO_MANY), 429, {"Retry-After": retry})
    try:
        grouped = normalize_code(typed)
    except InvalidVerificationCode as exc:
        metrics.verifications.labels("invalid").inc()
        return _html(page.render(typed, page.invalid_code_html(exc.message_zh, exc.message_en)))
    found = await run_in_threadpool(_lookup, request.app.state.autocommit_engine, grouped)
    if found is None:
        metrics.verifications.labels("not_found").inc()
        return _html(page.render(typed, page.NOT_FOUND), 404)
    metrics.verifications.labels("revoked" if found.revoked else "found").inc()
    revoked = page.Revocation(found.revoked_reason, found.revoked_at) if found.revoked else None
    return _html(page.render(typed, page.found_html(found.entry, query.get("sha256"), revoked)))


def _lookup(engine: Engine, grouped: str) -> RegistryLookup | None:
    with engine.connect() as connection:  # autocommit: one SELECT, no BEGIN/ROLLBACK
        return registry.lookup(connection, grouped)

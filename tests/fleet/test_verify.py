"""The central registry and the public verification page, served by uvicorn on loopback."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from fleet.cli import admin_main
from fleet.protocol import REGISTRY_PATH, RegistryLookup
from fleet.ratelimit import TokenBuckets
from fleet.settings import FleetSettings
from fleet.simulator import SimulatedTerminal
from printing.codes import parse_qr_payload, qr_payload
from tests.fleet.conftest import LiveServer, add_terminal


def issue_at_a_and_enrol_b(url: str, settings: FleetSettings
                           ) -> tuple[SimulatedTerminal, SimulatedTerminal]:
    a = SimulatedTerminal("T-A", add_terminal(settings, "T-A", "north"))
    b = SimulatedTerminal("T-B", add_terminal(settings, "T-B", "south"))

    async def run() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await a.enrol(client)
            await b.enrol(client)
            a.use_service(0)
            await a.send_outbox(client)

    asyncio.run(run())
    return a, b


def test_a_certificate_from_terminal_a_verifies_centrally_and_at_terminal_b(
    live_server: LiveServer, settings: FleetSettings
) -> None:
    a, b = issue_at_a_and_enrol_b(live_server.url, settings)
    entry = a.issued[0]
    # The phone opens the URL of the QR code, as the certificate carries it.
    link = qr_payload(live_server.url + "/verify", entry.verification_code, entry.content_sha256)
    assert parse_qr_payload(link) == (entry.verification_code, entry.content_sha256)
    page = httpx.get(link)
    assert page.status_code == 200
    assert "张*" in page.text and "养老金发放明细" in page.text and "演示政务服务中心" in page.text
    assert "matches the record" in page.text
    # Neither the holder's keyed hash nor the issuing terminal is shown. (The code itself is
    # removed first: a random code such as "PVTT-ALAJ-…" can contain "T-A".)
    shown = page.text.replace(entry.verification_code, "")
    assert entry.holder_id_hash not in shown and "T-A" not in shown
    # Terminal B asks the centre first.
    answer = httpx.get(live_server.url + REGISTRY_PATH.format(code=entry.verification_code),
                       headers=b.headers)
    assert answer.status_code == 200
    assert RegistryLookup.model_validate(answer.json()).entry == entry
    unknown = httpx.get(live_server.url + REGISTRY_PATH.format(code="AAAA-AAAA-AAAA-AAAA"),
                        headers=b.headers)
    assert unknown.status_code == 404
    assert httpx.get(live_server.url + REGISTRY_PATH.format(
        code=entry.verification_code)).status_code == 401  # terminals only


def test_a_tampered_hash_an_unknown_code_and_a_typo_say_so(
    live_server: LiveServer, settings: FleetSettings
) -> None:
    a, _ = issue_at_a_and_enrol_b(live_server.url, settings)
    code = a.issued[0].verification_code
    tampered = httpx.get(live_server.url + "/verify", params={"code": code, "sha256": "0" * 64})
    assert "does NOT match" in tampered.text
    lower = httpx.get(live_server.url + "/verify", params={"code": code.lower().replace("-", "")})
    assert "张*" in lower.text
    unknown = httpx.get(live_server.url + "/verify", params={"code": "AAAA-AAAA-AAAA-AAAA"})
    assert unknown.status_code == 404 and "No certificate" in unknown.text
    typo = httpx.get(live_server.url + "/verify", params={"code": "<script>"})
    assert "not a verification code" in typo.text and "<script>" not in typo.text


def test_a_revoked_certificate_says_so(live_server: LiveServer, settings: FleetSettings) -> None:
    a, _ = issue_at_a_and_enrol_b(live_server.url, settings)
    code = a.issued[0].verification_code
    assert admin_main(["--database-url", settings.database_url, "--by", "li.ops",
                       "certificate", "revoke", code, "--reason", "issued in error"]) == 0
    page = httpx.get(live_server.url + "/verify", params={"code": code})
    assert "REVOKED" in page.text and "issued in error" in page.text
    assert "li.ops" not in page.text


def test_security_headers_and_rate_limit(live_server: LiveServer, app: FastAPI) -> None:
    app.state.verify_buckets = TokenBuckets(rate_per_s=0.001, burst=3)
    answers = [httpx.get(live_server.url + "/verify", params={"code": "AAAA-AAAA-AAAA-AAAA"})
               for _ in range(4)]
    assert [r.status_code for r in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    headers = answers[0].headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert httpx.get(live_server.url + "/health").headers["X-Frame-Options"] == "DENY"


def test_token_buckets_refill_at_their_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate_per_s=0.5, burst=2, clock=lambda: now[0])
    assert [buckets.allow("a") for _ in range(3)] == [True, True, False]
    assert buckets.allow("b")  # another address has its own bucket
    now[0] = 1.9
    assert not buckets.allow("a")
    now[0] = 2.0
    assert buckets.allow("a") and not buckets.allow("a")


def test_many_addresses_at_once_keep_the_bucket_table_bounded() -> None:
    """A flood from a whole address range: every bucket is in use, none has refilled, and
    the table still never holds more than its limit; the most recent clients stay limited."""
    buckets = TokenBuckets(rate_per_s=0.001, burst=1, clock=lambda: 0.0, max_clients=50)
    for n in range(10_000):
        buckets.allow(f"2001:db8::{n:x}")
    assert len(buckets._buckets) <= 50
    assert not buckets.allow("2001:db8::270f")  # the last address's bucket is still empty

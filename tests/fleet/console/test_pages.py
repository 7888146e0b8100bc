"""Usage (charts, CSV), configuration (who has applied a change) and certificates (look-up,
revocation the public page then shows) through the console, on PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid

from fleet import protocol as p
from fleet.console import charts
from tests.fleet.conftest import FakeClock, enrol
from tests.fleet.console.helpers import add_user, form_csrf, sign_in
from tests.fleet.console.test_terminals import beat

CODE = "ABCD-EFGH-JKLM-NPQR"


def send(client, headers, terminal_id, events):  # type: ignore[no-untyped-def]
    batch = p.OutboxBatch(terminal_id=terminal_id, events=events)
    answer = client.post(p.OUTBOX_PATH.format(terminal_id=terminal_id),
                         json=batch.model_dump(mode="json"), headers=headers)
    assert answer.status_code == 200, answer.text


def usage_events(clock: FakeClock, terminal_id: str, start_seq: int, hours: list[int],
                 code: str = ""):  # type: ignore[no-untyped-def]
    events: list = []
    for hour in hours:
        when = clock().replace(hour=hour)
        for counter in ("sessions", "certificates"):
            events.append(p.UsageEvent(key=uuid.uuid4().hex, seq=start_seq + len(events),
                                       occurred_at=when, service_id="pension_statement",
                                       counter=counter))
    if code:
        entry = p.RegistryEntryShape(
            verification_code=code, content_sha256="a" * 64, service_id="pension_statement",
            service_name_zh="养老金发放明细", holder_masked_name="张*", holder_id_hash="b" * 64,
            issued_at=clock(), terminal_id=terminal_id, seal_id="s", demo=True)
        events.append(p.CertificateEvent(key=uuid.uuid4().hex, seq=start_seq + len(events),
                                         occurred_at=clock(), entry=entry))
    return events


def test_usage_page_charts_and_csv(app, client, settings, clock: FakeClock) -> None:
    a = enrol(client, settings, "ZZ-1", "zhengzhou")
    b = enrol(client, settings, "LY-1", "luoyang")
    send(client, a, "ZZ-1", usage_events(clock, "ZZ-1", 1, [1, 1, 2]))
    send(client, b, "LY-1", usage_events(clock, "LY-1", 1, [1]))
    add_user(app, role="viewer")
    sign_in(client)
    page = client.get("/console/usage").text
    assert page.count("<svg") == 2 and "<script" not in page
    assert "01: 3</title>" in page  # three sessions in the 01:00 hour, all terminals
    exported = client.get("/console/usage.csv?group=zhengzhou&period=week")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {(r["terminal"], r["counter"], r["count"]) for r in table} == {
        ("ZZ-1", "sessions", "3"), ("ZZ-1", "certificates", "3")}
    assert table[0]["period"] == "2026-W49"


def test_bar_chart_is_escaped_and_scaled() -> None:
    svg = charts.bar_chart("<b>", ["a&b", "c"], [2, 4])
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "a&amp;b: 2" in svg
    assert 'height="168.0"' in svg  # the tallest bar fills the plot
    assert charts.bar_chart("empty", [], []).startswith("<svg")


def test_a_service_switched_off_shows_who_has_applied_it(app, client, settings,
                                                         clock: FakeClock) -> None:
    a = enrol(client, settings, "ZZ-1", "zhengzhou")
    b = enrol(client, settings, "ZZ-2", "zhengzhou")
    add_user(app)
    sign_in(client)
    page = client.get("/console/config")
    answer = client.post("/console/config", data={
        "csrf": form_csrf(page.text), "scope": "group", "name": "zhengzhou",
        "setting": "service", "service": "pension_statement", "switch": "off"})
    assert answer.status_code == 200 and "已保存" in answer.text
    assert "0/2" in answer.text and "ZZ-1, ZZ-2" in answer.text
    ack = beat(client, a, "ZZ-1", clock)
    config = client.get(p.CONFIG_PATH.format(terminal_id="ZZ-1"), headers=a).json()
    assert config["document"]["services_disabled"] == ["pension_statement"]
    beat(client, a, "ZZ-1", clock, config_hash=ack.config_hash)
    beat(client, b, "ZZ-2", clock)
    page = client.get("/console/config").text
    assert "1/2" in page and "ZZ-2" in page.split("1/2")[1].split("</td>")[0]
    bad = client.post("/console/config", data={
        "csrf": form_csrf(page), "scope": "group", "name": "zhengzhou",
        "setting": "opening_hours", "value": "8 to 8"})
    assert bad.status_code == 400 and "opening hours like" in bad.text


def test_certificate_lookup_is_masked_and_revocation_reaches_the_public_page(
        app, client, settings, clock: FakeClock) -> None:
    a = enrol(client, settings, "ZZ-1")
    send(client, a, "ZZ-1", usage_events(clock, "ZZ-1", 1, [], code=CODE))
    add_user(app, "chen", "admin")
    sign_in(client, "chen")
    page = client.get("/console/certificates", params={"code": CODE.lower()}).text
    assert "张*" in page and "b" * 64 not in page and "有效" in page
    client.post("/console/certificates/revoke", data={
        "csrf": form_csrf(page), "code": CODE, "reason": "办理错误 issued in error"})
    page = client.get("/console/certificates", params={"code": CODE}).text
    assert "已吊销" in page and "issued in error" in page
    public = client.get("/verify", params={"code": CODE}).text
    assert "REVOKED" in public and "issued in error" in public
    assert client.get("/console/certificates", params={"code": "nonsense"}).status_code == 400


def test_the_terminal_page_forecasts_paper_from_usage_by_hour(app, client, settings,
                                                              clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    beat(client, headers, "ZZ-1", clock)  # the printer reports 12 sheets left
    # 24 certificates printed in the 02:00 hour today: 24/7 sheets per 02:00 hour, on average.
    send(client, headers, "ZZ-1", usage_events(clock, "ZZ-1", 1, [2] * 24))
    add_user(app, role="viewer")
    sign_in(client)
    page = client.get("/console/terminals/ZZ-1").text
    # 12 sheets at 3.43 per 02:00 hour: three nights, then half of the fourth's hour.
    assert "纸张预计用完于 <strong>12-03 02:30</strong>" in page

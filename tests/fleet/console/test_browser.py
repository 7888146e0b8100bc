"""The console in a real browser (Debian's chromium through Playwright) against the service
on a loopback port and the private PostgreSQL, with simulated terminals: sign in, watch a
terminal go offline, acknowledge its alert, switch a service off and see the terminal's
catalog change, export CSV, and every page at 375 px wide without sideways scrolling."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from fleet.simulator import SimulatedTerminal
from tests.fleet.conftest import FakeClock, LiveServer, add_terminal
from tests.fleet.console.browser import DESKTOP, PHONE, chromium, horizontal_overflow, sign_in
from tests.fleet.console.helpers import PASSWORD, add_user

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed")
PAGES = ("/console/", "/console/terminals/ZZ-1", "/console/alerts", "/console/usage",
         "/console/config", "/console/certificates")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def run(coroutine: Any) -> Any:
    """The simulator is asyncio; Playwright's sync API holds this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


async def _enrol_and_serve(url: str, terminal: SimulatedTerminal, citizens: int) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        await terminal.enrol(client)
        for index in range(citizens):
            terminal.use_service(index)
        await terminal.send_outbox(client)
        await terminal.heartbeat(client)


async def _heartbeat(url: str, terminal: SimulatedTerminal) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        await terminal.heartbeat(client)


@pytest.fixture
def fleet(live_server: LiveServer, settings, clock: FakeClock):  # type: ignore[no-untyped-def]
    """One enrolled simulated terminal that has served three citizens; a signed-up operator."""
    terminal = SimulatedTerminal("ZZ-1", add_terminal(settings, "ZZ-1", "zhengzhou"),
                                 clock=clock)
    terminal.paper = "low"
    run(_enrol_and_serve(live_server.url, terminal, 3))
    add_user(live_server.app, "wang", "operator")
    return live_server, terminal


def test_sign_in_watch_a_terminal_go_offline_and_acknowledge_its_alert(
        browser, fleet, clock: FakeClock) -> None:
    server, terminal = fleet
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, server.url, "wang", PASSWORD)
    row = page.locator('tr[data-terminal="ZZ-1"]')
    assert row.get_attribute("data-state") == "in_service"
    assert "服务中" in row.inner_text() and "偏少" in row.inner_text()
    clock.advance(91)  # the terminal has stopped sending heartbeats
    server.app.state.alerts.evaluate()
    page.reload()
    assert row.get_attribute("data-state") == "offline" and "离线" in row.inner_text()
    page.get_by_role("link", name="告警").click()
    alert = page.locator('tr[data-rule="offline_90s"]').first
    assert "离线超过 90 秒" in alert.inner_text()
    alert.get_by_role("button", name="确认").click()
    assert "已确认: wang" in page.locator('tr[data-rule="offline_90s"]').first.inner_text()
    page.close()


def test_a_service_switched_off_leaves_the_terminals_catalog(browser, fleet) -> None:
    server, terminal = fleet
    assert "pension.payment_detail" in terminal.catalog()
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, server.url, "wang", PASSWORD)
    page.get_by_role("link", name="配置").click()
    form = page.locator("#service-form")
    form.get_by_label("范围").select_option("group")
    form.get_by_label("名称").fill("zhengzhou")
    form.get_by_label("事项编号").fill("pension.payment_detail")
    form.get_by_label("值").select_option("off")
    form.get_by_role("button", name="保存").click()
    first = page.locator("#changes tbody tr").first.inner_text()
    assert "wang" in first and "0/1" in first and "ZZ-1" in first
    run(_heartbeat(server.url, terminal))  # the answer names a new hash; the terminal pulls
    assert "pension.payment_detail" not in terminal.catalog()
    run(_heartbeat(server.url, terminal))  # ...and says it has applied it
    page.reload()
    assert "1/1" in page.locator("#changes tbody tr").first.inner_text()
    page.close()


def test_export_usage_as_csv(browser, fleet) -> None:
    server, _ = fleet
    page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
    sign_in(page, server.url, "wang", PASSWORD)
    page.get_by_role("link", name="使用统计").click()
    assert page.locator("svg.chart").count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    sessions = sum(int(r["count"]) for r in rows if r["counter"] == "sessions")
    assert sessions == 3 and {r["terminal"] for r in rows} == {"ZZ-1"}
    page.close()


def test_every_page_fits_a_phone_and_every_field_has_a_label(browser, fleet) -> None:
    server, _ = fleet
    page = browser.new_page(viewport=PHONE)
    sign_in(page, server.url, "wang", PASSWORD)
    for lang in ("zh", "en"):
        page.goto(f"{server.url}/console/lang/{lang}?next=/console/")
        for path in ("/console/login", *PAGES):
            page.goto(server.url + path)
            assert horizontal_overflow(page) == 0, (lang, path)
            unlabeled = page.evaluate("""() => [...document.querySelectorAll(
                'input:not([type=hidden]), select, textarea')].filter(
                f => !(f.labels && f.labels.length) && !f.getAttribute('aria-label')).map(
                f => f.name)""")
            assert unlabeled == [], (path, unlabeled)
    page.close()

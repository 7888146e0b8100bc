"""Screenshots of every console page at desktop and phone widths (docs/screenshots/console-*.png).

The central service on a throw-away SQLite database, six simulated terminals with two weeks
of usage, a printer low on paper, a jam, a terminal gone quiet, alerts evaluated, a service
switched off; then Debian's chromium (through Playwright) photographs each page.

    .venv/bin/python scripts/console_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fleet import admin  # noqa: E402
from fleet.app import create_app  # noqa: E402
from fleet.config_store import change_setting  # noqa: E402
from fleet.console import auth  # noqa: E402
from fleet.settings import FleetSettings  # noqa: E402
from fleet.simulator import SimulatedTerminal  # noqa: E402
from tests.fleet.console.browser import DESKTOP, PHONE, chromium, sign_in  # noqa: E402

TERMINALS = (("ZZ-0001", "zhengzhou"), ("ZZ-0002", "zhengzhou"), ("ZZ-0003", "zhengzhou"),
             ("LY-0001", "luoyang"), ("LY-0002", "luoyang"), ("LY-0003", "luoyang"))
PASSWORD = "screenshots-only-password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 16, 40, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def populate(url: str, tokens: dict[str, str], clock: Clock) -> list[SimulatedTerminal]:
    rng = random.Random(7)
    terminals = [SimulatedTerminal(t, tokens[t], clock=clock) for t, _ in TERMINALS]
    today = clock.now
    async with httpx.AsyncClient(base_url=url) as client:
        for terminal in terminals:
            await terminal.enrol(client)
            for day in range(13, -1, -1):
                for _ in range(rng.randrange(4, 12)):
                    hour = rng.choice((9, 10, 10, 11, 14, 15, 15, 16, 19, 21, 2))
                    moment = (today - timedelta(days=day)).replace(hour=hour,
                                                                   minute=rng.randrange(60))
                    if moment < today:
                        clock.now = moment
                        terminal.use_service(rng.randrange(3), certificate=rng.random() < 0.6)
            clock.now = today
            await terminal.send_outbox(client)
        terminals[1].sheets_left = 12
        terminals[1].paper_change("low")
        terminals[3].paper_change("jammed")
        terminals[3].state, terminals[3].reason = "out_of_service", "打印机卡纸 Printer jammed"
        for terminal in terminals:
            await terminal.send_outbox(client)
            await terminal.heartbeat(client)
    return terminals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="console-shots-"))
    clock = Clock()
    settings = FleetSettings(database_url=f"sqlite:///{folder / 'fleet.sqlite3'}", clock=clock,
                             alert_interval_s=0)
    app = create_app(settings)
    with app.state.sessions() as session:
        tokens = {t: admin.add_terminal(session, t, g, clock(), 1) for t, g in TERMINALS}
        auth.add_user(session, "wang.li", "admin", PASSWORD, clock(), "screenshots")
        change_setting(session, scope="group", name="luoyang", key="notices",
                       value=[{"zh": "本周六系统维护", "en": "Maintenance this Saturday"}],
                       actor="wang.li", now=clock())
        session.commit()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.05)
    try:
        terminals = asyncio.run(populate(url, tokens, clock))
        clock.now += timedelta(seconds=20)
        asyncio.run(_beat(url, terminals[:-1]))  # the last one has gone quiet
        app.state.alerts.evaluate()
        clock.now += timedelta(seconds=100)
        asyncio.run(_beat(url, terminals[:-1]))
        app.state.alerts.evaluate()
        with app.state.sessions() as session:
            admin.set_config(session, "group", "zhengzhou",
                             "service.housing_fund.deposit_certificate", "off", "wang.li",
                             clock())
        asyncio.run(_beat(url, terminals[:1]))
        code = terminals[0].issued[0].verification_code
        pages = {"login": "/console/login", "overview": "/console/",
                 "terminal": "/console/terminals/ZZ-0002", "alerts": "/console/alerts",
                 "usage": "/console/usage", "config": "/console/config",
                 "certificates": f"/console/certificates?code={code}"}
        args.out.mkdir(parents=True, exist_ok=True)
        with chromium() as browser:
            for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page = browser.new_page(viewport=viewport)
                page.goto(url + pages["login"])
                page.screenshot(path=args.out / f"console-login-{width}.png", full_page=True)
                sign_in(page, url, "wang.li", PASSWORD)
                for name, path in pages.items():
                    if name == "login":
                        continue
                    page.goto(url + path)
                    target = args.out / f"console-{name}-{width}.png"
                    page.screenshot(path=target, full_page=True)
                    print(target.relative_to(ROOT))
                page.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return 0


async def _beat(url: str, terminals: list[SimulatedTerminal]) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for terminal in terminals:
            await terminal.heartbeat(client)


if __name__ == "__main__":
    raise SystemExit(main())

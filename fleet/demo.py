"""`make fleet`: the central service on SQLite with a handful of simulated terminals.

Five terminals in two groups enrol with their tokens, send heartbeats every 5 s (the demo
group setting), serve citizens now and then (usage, audit lines with masked IDs,
certificates) and send their outboxes; one runs low on paper, one goes quiet and turns
offline. The URL and a verification link of a real issued certificate are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import tempfile
import threading
from pathlib import Path

import httpx
import uvicorn

from fleet import admin
from fleet.app import create_app
from fleet.config_store import change_setting
from fleet.console import auth
from fleet.settings import FleetSettings, utc_now
from fleet.simulator import SimulatedTerminal
from printing.codes import qr_payload

DEMO_PASSWORD = secrets.token_urlsafe(9)  # the console's demo account, printed at start
TERMINALS = (("ZZ-0001", "zhengzhou"), ("ZZ-0002", "zhengzhou"), ("ZZ-0003", "zhengzhou"),
             ("LY-0001", "luoyang"), ("LY-0002", "luoyang"))


def prepare(settings: FleetSettings, app_sessions) -> dict[str, str]:  # type: ignore[no-untyped-def]
    tokens = {}
    with app_sessions() as session:
        auth.add_user(session, "demo", "admin", DEMO_PASSWORD, utc_now(), "demo")
        for terminal_id, group in TERMINALS:
            tokens[terminal_id] = admin.add_terminal(session, terminal_id, group, utc_now(), 1)
        for group in {g for _, g in TERMINALS}:
            change_setting(session, scope="group", name=group, key="heartbeat_interval_s",
                           value=5.0, actor="demo", now=utc_now())
        change_setting(session, scope="group", name="luoyang", key="notices",
                       value=[{"zh": "本周六系统维护", "en": "Maintenance this Saturday"}],
                       actor="demo", now=utc_now())
        session.commit()
    return tokens


async def run_terminals(url: str, tokens: dict[str, str], stop: threading.Event) -> None:
    terminals = [SimulatedTerminal(t, tokens[t]) for t, _ in TERMINALS]
    rng = random.Random(11)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for terminal in terminals:
            await terminal.enrol(client)
            terminal.use_service(rng.randrange(3))
            await terminal.send_outbox(client)
        entry = terminals[0].issued[0]
        link = qr_payload(url + "/verify", entry.verification_code, entry.content_sha256)
        print(f"A certificate to verify: {link}", flush=True)
        terminals[2].paper_change("low")
        terminals[1].paper_change("jammed")
        terminals[1].state, terminals[1].reason = "out_of_service", "打印机卡纸 Printer jammed"
        tick = 0
        while not stop.is_set():
            for terminal in terminals[:-1] if tick > 2 else terminals:  # the last goes quiet
                if rng.random() < 0.3:
                    terminal.use_service(rng.randrange(3), certificate=rng.random() < 0.5)
                await terminal.heartbeat(client)
                await terminal.send_outbox(client)
            tick += 1
            await asyncio.sleep(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fleet.demo", description=__doc__)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--seconds", type=float, default=0, help="stop after (0: Ctrl-C)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fleet-demo-"))
    settings = FleetSettings(database_url=f"sqlite:///{folder / 'fleet.sqlite3'}")
    app = create_app(settings)
    tokens = prepare(settings, app.state.sessions)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.05)
    if not server.started:
        print(f"fleet demo: cannot listen on port {args.port} (in use?); try --port N")
        return 1
    url = f"http://127.0.0.1:{args.port}"
    print(f"Fleet centre: {url}  (metrics {url}/metrics; database {folder})", flush=True)
    print(f"Operations console: {url}/  user demo, password {DEMO_PASSWORD}", flush=True)
    print(f"Terminals: fleet-admin --database-url {settings.database_url} terminal list",
          flush=True)
    stop = threading.Event()
    if args.seconds:
        threading.Timer(args.seconds, stop.set).start()
    try:
        asyncio.run(run_terminals(url, tokens, stop))
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

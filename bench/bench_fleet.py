"""Fleet figures: one `fleet-server` process and one private PostgreSQL on this machine, driven
by an asyncio + httpx load generator that plays 1,000 terminals with time compressed.

- heartbeats/s sustained by 1,000 terminals each beating every second (30x compressed), with
  p50/p99 latency and the server process's CPU share;
- the highest terminal count at the real 30 s interval with p99 < 50 ms: offered rates of
  N/30 heartbeats per second for growing N, each for a short window;
- verification look-ups/s with p99 and the server's CPU per look-up (the page's rate limit
  raised for the bench: one loopback client stands for many phones);
- time for 1,000 terminals to drain their outboxes after a simulated 10-minute outage.

Loopback only, every loop bounded. Prints one JSON object per figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.fleet_load import TIMEOUT, LoadGenerator, beats  # noqa: E402
from fleet import admin  # noqa: E402
from fleet.db.engine import make_engine, migrate, session_factory  # noqa: E402
from fleet.settings import utc_now  # noqa: E402
from fleet.simulator import SimulatedTerminal  # noqa: E402
from tests.kiosk.pg_server import PostgresServer, find_bindir  # noqa: E402

TERMINALS = int(os.environ.get("FLEET_BENCH_TERMINALS", "1000"))
WINDOW_S = float(os.environ.get("FLEET_BENCH_WINDOW_S", "10"))
GENERATORS = int(os.environ.get("FLEET_BENCH_GENERATORS", "4"))  # load generator processes
SESSIONS_PER_OUTAGE = 5  # a busy terminal serves about one citizen every two minutes
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}), flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S  # utime + stime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    code = "import sys; from fleet.cli import server_main; sys.exit(server_main())"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--database-url", url, "--port", str(port),
         "--verify-rate", "1000000", "--verify-burst", "1000000",
         "--enrol-rate", "1000000", "--enrol-burst", "1000000"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(400):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("fleet-server did not start")


def register(url: str, count: int) -> list[SimulatedTerminal]:
    engine = make_engine(url)
    migrate(engine)
    terminals = []
    with session_factory(engine)() as session:
        for i in range(count):
            terminal_id = f"B-{i:05d}"
            token = admin.add_terminal(session, terminal_id, f"g{i % 10}", utc_now(), 1)
            terminals.append(SimulatedTerminal(terminal_id, token))
    engine.dispose()
    return terminals


async def enrol_all(base: str, terminals: list[SimulatedTerminal]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as client:
        for first in range(0, len(terminals), 100):
            await asyncio.gather(*(t.enrol(client) for t in terminals[first:first + 100]))
            await asyncio.gather(*(t.heartbeat(client) for t in terminals[first:first + 100]))


def heartbeat_figures(base: str, terminals: list[SimulatedTerminal], pid: int) -> None:
    asyncio.run(enrol_all(base, terminals))
    load = LoadGenerator(base, beats(terminals), GENERATORS)
    try:
        cpu0 = cpu_seconds(pid)
        latencies, errors = load.every_second(WINDOW_S)
        cpu = cpu_seconds(pid) - cpu0
        emit(f"fleet_heartbeats_per_s_{len(terminals)}_terminals_every_1s",
             len(latencies) / WINDOW_S, "1/s")
        emit("fleet_heartbeat_p50", percentile(latencies, 0.50), "ms")
        emit("fleet_heartbeat_p99", percentile(latencies, 0.99), "ms")
        emit("fleet_heartbeat_errors", errors, "count")
        emit("fleet_server_cpu_per_heartbeat", 1000 * cpu / max(1, len(latencies)), "ms")
        emit("fleet_terminals_per_core_at_30s_by_cpu", 30 * len(latencies) / max(cpu, 1e-9),
             "terminals")

        def at_30s(count: int) -> tuple[float, float, bool]:
            """(p99, server CPU share, held): `count` terminals at the real 30 s interval."""
            cpu0 = cpu_seconds(pid)
            latencies, errors = load.paced(count / 30, WINDOW_S)
            share = 100 * (cpu_seconds(pid) - cpu0) / WINDOW_S
            p99 = percentile(latencies, 0.99)
            return p99, share, errors == 0 and p99 < 50

        p99, share, held = at_30s(1000)
        emit("fleet_30s_interval_1000_terminals_p99", p99, "ms")
        emit("fleet_30s_interval_1000_terminals_server_cpu", share, "% of one core")
        best = 1000 if held else 0
        if held:  # up while it holds
            for count in (2000, 4000, 8000, 16000):
                if not at_30s(count)[2]:
                    break
                best = count
        else:  # down until it holds
            for count in (500, 250):
                if at_30s(count)[2]:
                    best = count
                    break
        emit("fleet_terminals_at_30s_interval_p99_under_50ms", best, "terminals")
    finally:
        load.close()


async def verification_figures(base: str, terminals: list[SimulatedTerminal], pid: int) -> None:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:
        for terminal in terminals:
            terminal.use_service(0)
        await asyncio.gather(*(t.send_outbox(client, retries=5) for t in terminals))
        codes = [t.issued[-1].verification_code for t in terminals]
        latencies: list[float] = []
        deadline = time.perf_counter() + WINDOW_S

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                response = await client.get("/verify", params={"code": rng.choice(codes)})
                if response.status_code != 200:
                    raise RuntimeError(f"verification answered {response.status_code}")
                latencies.append((time.perf_counter() - sent) * 1000)

        t0 = time.perf_counter()
        cpu0 = cpu_seconds(pid)
        await asyncio.gather(*(worker(i) for i in range(20)))
        cpu = cpu_seconds(pid) - cpu0
        emit("fleet_verifications_per_s", len(latencies) / (time.perf_counter() - t0), "1/s")
        emit("fleet_verification_p99", percentile(latencies, 0.99), "ms")
        emit("fleet_server_cpu_per_verification", 1000 * cpu / max(1, len(latencies)), "ms")


async def drain_figure(base: str, terminals: list[SimulatedTerminal]) -> None:
    for terminal in terminals:  # ten minutes without the centre: the outboxes fill
        for i in range(SESSIONS_PER_OUTAGE):
            terminal.use_service(i, certificate=i % 2 == 0)
        terminal.paper_change("low")
    events = sum(len(t.outbox) for t in terminals)
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:
        t0 = time.perf_counter()
        acked = await asyncio.gather(
            *(t.send_outbox(client, batch_size=100, retries=5) for t in terminals))
        elapsed = time.perf_counter() - t0
    if sum(acked) != events:
        raise RuntimeError(f"drained {sum(acked)} of {events} events")
    emit("fleet_outage_10min_events", events, "events")
    emit("fleet_outage_10min_drain_time", elapsed, "s")
    emit("fleet_outage_drain_rate", events / elapsed, "events/s")


def main() -> None:
    # A SIGTERM (make's timeout, Ctrl-C in a wrapper) still runs the `finally`s below, so the
    # server process and the private PostgreSQL stop with the bench.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    # The machine is shared: its load says how much of a core each process could get.
    emit("fleet_bench_load_average_1min", os.getloadavg()[0], "runnable processes")
    bindir = find_bindir()
    if bindir is None:
        print("bench_fleet: PostgreSQL is not installed; skipped", file=sys.stderr)
        return
    pg = PostgresServer(bindir)
    pg.start()
    server = None
    try:
        url = pg.url(pg.create_database())
        terminals = register(url, TERMINALS)
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        heartbeat_figures(base, terminals, server.pid)
        asyncio.run(verification_figures(base, terminals, server.pid))
        asyncio.run(drain_figure(base, terminals))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        pg.stop()


if __name__ == "__main__":
    main()

"""ID-card reader benchmarks: a full read at real wire timing against the wire floor of the same
bytes, and the CPU the polling worker spends while no card is present.

Prints one JSON object per line: {"name": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devices.idcard.reader import IdCardReader  # noqa: E402
from devices.idcard.simulator import CARDS_DIR, ReaderSimulator, load_card  # noqa: E402

BAUD = 115200
CHIP_TIME_S = 0.02  # per command, a plausible figure for a real reader's chip and SAM
READS = 7
IDLE_SECONDS = 5.0


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit}), flush=True)


def bench_wire_read() -> None:
    card = load_card(CARDS_DIR / "wang_jianguo.json")  # has an appended address: 4 commands
    sim = ReaderSimulator(card, wire_timing=True, chip_time_s=CHIP_TIME_S, baud=BAUD)
    port = sim.start_pty()
    times: list[float] = []
    floors: list[float] = []
    try:
        with IdCardReader(port, BAUD) as reader:
            reader.read_card()  # warm-up: imports, first open
            for _ in range(READS):
                bytes_before = sim.bytes_in + sim.bytes_out
                commands_before = sum(sim.commands.values())
                begun = time.perf_counter()
                reader.read_card()
                times.append(time.perf_counter() - begun)
                wire_bytes = sim.bytes_in + sim.bytes_out - bytes_before
                commands = sum(sim.commands.values()) - commands_before
                floors.append(wire_bytes * 10 / BAUD + commands * CHIP_TIME_S)
    finally:
        sim.stop()
    read_s, floor_s = statistics.median(times), statistics.median(floors)
    emit("idcard_read_wire_ms", read_s * 1000, "ms")
    emit("idcard_read_wire_floor_ms", floor_s * 1000, "ms")
    emit("idcard_read_overhead_ratio", read_s / floor_s, "ratio")


def bench_idle_polling() -> None:
    # The simulator runs in its own process so that only the driver's CPU is counted here.
    sim = subprocess.Popen(
        [sys.executable, "-c", "import sys; from kiosk.cli import main; sys.exit(main())",
         "simulate-reader", "--empty"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert sim.stdout is not None
        port = sim.stdout.readline().strip()
        reader = IdCardReader(port, BAUD)  # default 0.3 s poll interval
        reader.start()
        time.sleep(1.0)  # connect, SAM status and id
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        time.sleep(IDLE_SECONDS)
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        reader.stop()
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    emit("idcard_idle_poll_cpu_percent", 100 * cpu / wall, "% of one core")


if __name__ == "__main__":
    bench_wire_read()
    bench_idle_polling()

"""The heartbeat load of bench_fleet.py, spread over several generator processes.

One Python process with httpx spends more CPU per request than the server does, so a single
generator would measure itself. Each process here plays a share of the terminals with
prebuilt request bodies (only `sent_at` is filled in per beat) and reports its latencies.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from fleet import protocol as p
from fleet.simulator import SimulatedTerminal

TIMEOUT = httpx.Timeout(60, pool=None)


@dataclass(frozen=True)
class Beat:
    """One terminal's heartbeat, ready to send."""

    index: int  # position among all terminals, to spread them over the second
    path: str
    template: bytes  # the JSON body with "__SENT__" where sent_at goes
    headers: dict[str, str]


def beats(terminals: list[SimulatedTerminal]) -> list[Beat]:
    out = []
    for index, terminal in enumerate(terminals):
        body = terminal.heartbeat_body().model_dump(mode="json")
        body["sent_at"] = "__SENT__"
        out.append(Beat(index, p.HEARTBEAT_PATH.format(terminal_id=terminal.terminal_id),
                        json.dumps(body).encode(),
                        {**terminal.headers, "Content-Type": "application/json"}))
    return out


async def _send(client: httpx.AsyncClient, beat: Beat) -> float:
    content = beat.template.replace(b"__SENT__", datetime.now(UTC).isoformat().encode())
    sent = time.perf_counter()
    response = await client.post(beat.path, content=content, headers=beat.headers)
    if response.status_code != 200:
        raise httpx.HTTPStatusError("heartbeat refused", request=response.request,
                                    response=response)
    return (time.perf_counter() - sent) * 1000


async def _every_second(base: str, share: list[Beat], total: int, seconds: float,
                        start_at: float) -> tuple[list[float], int]:
    """Each terminal beats once a second, never with one still unanswered (a tick missed
    while waiting is skipped, as a terminal's timer would)."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=len(share), max_keepalive_connections=len(share))
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:
        start = time.perf_counter() + (start_at - time.time())

        async def one(beat: Beat) -> None:
            nonlocal errors
            tick = beat.index / total
            while tick < seconds:
                delay = start + tick - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    latencies.append(await _send(client, beat))
                except httpx.HTTPError:
                    errors += 1
                tick += 1.0
                while start + tick < time.perf_counter():
                    tick += 1.0

        await asyncio.gather(*(one(b) for b in share))
    return latencies, errors


async def _paced(base: str, share: list[Beat], rate: float, seconds: float, start_at: float,
                 offset: float) -> tuple[list[float], int]:
    """`rate` beats per second over this share's terminals, open loop, for `seconds`."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:
        start = time.perf_counter() + (start_at - time.time()) + offset

        async def one(i: int) -> None:
            nonlocal errors
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                latencies.append(await _send(client, share[i % len(share)]))
            except httpx.HTTPError:
                errors += 1

        await asyncio.gather(*(one(i) for i in range(int(rate * seconds))))
    return latencies, errors


def _worker(base: str, share: list[Beat], mode: str, total: int, rate: float, seconds: float,
            start_at: float, offset: float) -> tuple[list[float], int]:
    if mode == "every_second":
        return asyncio.run(_every_second(base, share, total, seconds, start_at))
    return asyncio.run(_paced(base, share, rate, seconds, start_at, offset))


class LoadGenerator:
    """A pool of generator processes over a fixed set of terminals."""

    def __init__(self, base: str, all_beats: list[Beat], processes: int) -> None:
        self.base = base
        self.beats = all_beats
        self.processes = processes
        self.shares = [all_beats[i::processes] for i in range(processes)]
        self.pool = ProcessPoolExecutor(processes)

    def _run(self, mode: str, rate: float, seconds: float) -> tuple[list[float], int]:
        start_at = time.time() + 1.0  # every process starts on the same second
        futures = [
            self.pool.submit(_worker, self.base, share, mode, len(self.beats),
                             rate / self.processes, seconds, start_at, i / rate if rate else 0)
            for i, share in enumerate(self.shares)
        ]
        latencies: list[float] = []
        errors = 0
        for future in futures:
            got, failed = future.result()
            latencies += got
            errors += failed
        return latencies, errors

    def every_second(self, seconds: float) -> tuple[list[float], int]:
        return self._run("every_second", 0.0, seconds)

    def paced(self, rate: float, seconds: float) -> tuple[list[float], int]:
        return self._run("paced", rate, seconds)

    def close(self) -> None:
        self.pool.shutdown()

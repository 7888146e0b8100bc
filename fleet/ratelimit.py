"""A token bucket per client address, in this process's memory.

Enough for one server process; several workers behind a load balancer would each keep their
own buckets (so the effective limit is multiplied by the worker count), and a shared limit
would move to the load balancer or a shared store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBuckets:
    def __init__(
        self,
        rate_per_s: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate_per_s
        self.burst = burst
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for `client`; False when its bucket is empty."""
        now = self._clock()
        with self._lock:
            # Popped and put back, so the table stays ordered from least to most recent use.
            tokens, at = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > self._max_clients:
                self._forget_oldest()
            return allowed

    def retry_after_s(self, client: str) -> float:
        with self._lock:
            tokens, _ = self._buckets.get(client, (self.burst, 0.0))
        return max(0.0, (1 - tokens) / self.rate)

    def _forget_oldest(self) -> None:
        # Many addresses at once (an IPv6 range is cheap) must not grow the table without
        # bound: the least recently seen go first, one at a time, so no request pays a scan.
        # A client forgotten early gets a full bucket back, which costs less than the memory.
        while len(self._buckets) > self._max_clients:
            del self._buckets[next(iter(self._buckets))]

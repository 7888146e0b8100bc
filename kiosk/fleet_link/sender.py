"""Sends the outbox to the centre: in order, in batches, until it is empty.

Nothing is deleted before the centre has acknowledged it, and a resend carries the same keys
and sequence numbers, so a link cut, a killed terminal or a restarted centre costs a resend,
never an event lost or counted twice. While the link is down, attempts back off exponentially
with jitter (kiosk.fleet_link.batching.Backoff).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Protocol

from fleet.protocol import MAX_BATCH_EVENTS, BatchAck, OutboxBatch
from kiosk.fleet_link.batching import Backoff, settle, to_batch
from kiosk.fleet_link.client import BatchRefused, LinkDown, LinkRefused
from kiosk.store.outbox import Outbox

log = logging.getLogger(__name__)


class BatchPort(Protocol):
    def send(self, batch: OutboxBatch) -> BatchAck: ...


class OutboxSender:
    def __init__(self, outbox: Outbox, client: BatchPort, terminal_id: str, *,
                 batch_size: int = 100, backoff: Backoff | None = None,
                 rand: Callable[[], float] = random.random) -> None:
        self._outbox = outbox
        self._client = client
        self._terminal_id = terminal_id
        self._batch_size = min(batch_size, MAX_BATCH_EVENTS)
        self._backoff = backoff or Backoff()
        self._rand = rand
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0  # consecutive failed attempts
        self.problem = ""  # the last thing no resend could repair, for the heartbeat and logs

    def send_once(self) -> int:
        """Send one batch; the number of items the centre now holds and were dropped here.
        Raises LinkDown or LinkRefused."""
        items = self._outbox.pending(self._batch_size)
        if not items:
            return 0
        refused = False
        try:
            ack = self._client.send(to_batch(self._terminal_id, items))
        except BatchRefused as exc:
            ack, refused = exc.ack, True
            log.error("fleet outbox: %s", exc)
        outcome = settle(items[0].seq, items[-1].seq, self._outbox.last_seq(), ack, refused)
        if outcome.problem:
            self.problem = outcome.problem
            raise LinkRefused(outcome.problem)
        self.problem = ""
        return self._outbox.acknowledge_through(outcome.drop_through) \
            if outcome.drop_through else 0

    def drain(self, wait: Callable[[float], bool] | None = None,
              max_failures: int | None = None) -> int:
        """Send until the outbox is empty; between failed attempts `wait(delay)` (returns True
        to give up, e.g. when stopping). The number of items delivered."""
        wait = wait or (lambda delay: self._stopping.wait(delay))
        delivered = 0
        while self._outbox.pending(1):
            try:
                sent = self.send_once()
                if sent == 0:  # an answer that moves nothing forward: do not spin on it
                    raise LinkDown("the centre acknowledged nothing new")
            except (LinkDown, LinkRefused) as exc:
                self.failures += 1
                delay = self._backoff.delay(self.failures, self._rand)
                log.warning("fleet outbox: %s; next attempt in %.1f s", exc, delay)
                if (max_failures is not None and self.failures >= max_failures) or wait(delay):
                    return delivered
                continue
            self.failures = 0
            delivered += sent
        return delivered

    # ---- the background thread -----------------------------------------------------------
    def notify(self) -> None:
        """Something was added to the outbox: send it soon."""
        self._wake.set()

    def start(self, poll_s: float = 15.0) -> None:
        def run() -> None:
            while not self._stopping.is_set():
                try:
                    self.drain()
                except Exception:  # a bug must not silence the link for good
                    log.exception("fleet outbox sender failed")
                self._wake.wait(poll_s)
                self._wake.clear()

        self._thread = threading.Thread(target=run, name="fleet-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

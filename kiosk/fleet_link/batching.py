"""The sender's rules, with no I/O: batches, the back-off schedule, and what an ack settles.

Outbox items carry the terminal's sequence numbers 1, 2, 3... The centre answers every batch
with the highest sequence number it holds (`BatchAck.last_seq`, everything before it too),
whether the batch was new, a resend, or refused because it started past a gap.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from fleet.protocol import BatchAck, OutboxBatch, OutboxEvent
from kiosk.store.outbox import PendingItem

_EVENT: TypeAdapter[OutboxEvent] = TypeAdapter(OutboxEvent)


def to_event(item: PendingItem) -> OutboxEvent:
    """One stored item as the protocol's event (raises ValueError if it does not fit)."""
    data = {**item.payload, "kind": item.kind, "key": item.key, "seq": item.seq,
            "occurred_at": item.occurred_at}
    try:
        return _EVENT.validate_python(data)
    except ValidationError as exc:
        raise ValueError(f"outbox item {item.seq} ({item.kind}): {exc.errors()[0]['msg']}") \
            from None


def check_item(kind: str, payload: dict[str, object]) -> None:
    """Does an item about to be stored fit the protocol? (seq, key and time are filled in.)"""
    to_event(PendingItem(1, "check-key-0", kind, dict(payload), datetime.now(UTC)))


def to_batch(terminal_id: str, items: Sequence[PendingItem]) -> OutboxBatch:
    """Items in sequence order, with no gap between them, as one request."""
    seqs = [item.seq for item in items]
    if not seqs or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"a batch must be a run of consecutive sequence numbers, got {seqs}")
    return OutboxBatch(terminal_id=terminal_id, events=[to_event(i) for i in items])


@dataclass(frozen=True)
class Settlement:
    drop_through: int  # local items with seq <= this may be deleted (0: none)
    resend_from: int  # the next seq to send
    problem: str = ""  # a state no resend can repair; the attendant and the centre must know


def settle(first_sent: int, last_sent: int, last_made: int, ack: BatchAck,
           refused: bool = False) -> Settlement:
    """What an ack means for a batch of seqs first_sent..last_sent, when the terminal has made
    items up to last_made. A refused batch (409) deletes nothing: the centre holds some of
    these numbers with other keys, or lacks numbers before them, and neither is repaired by
    dropping events here."""
    held = ack.last_seq
    if refused:
        if held >= first_sent:
            why = (f"the centre holds events {first_sent}..{min(held, last_sent)} under other "
                   "keys: was this terminal's database reset or restored?")
        elif held < first_sent - 1:
            why = (f"the centre holds events up to {held}, but this terminal sent and dropped "
                   f"up to {first_sent - 1}: were the centre's records restored from a backup?")
        else:
            why = "the centre refused the batch although it continues what the centre holds"
        return Settlement(0, first_sent, why)
    if held > last_made:
        # The centre holds numbers this terminal never made: its store was replaced or reset.
        return Settlement(0, first_sent, f"the centre holds events up to {held}, but this "
                          f"terminal has made only {last_made}: was its database reset?")
    if held < first_sent - 1:
        # Items before first_sent were deleted here after an ack, yet the centre lacks them.
        return Settlement(0, first_sent, f"the centre holds events up to {held}, but this "
                          f"terminal sent and dropped up to {first_sent - 1}: were the centre's "
                          "records restored from a backup?")
    return Settlement(min(held, last_sent), held + 1)


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with "equal jitter": half the window fixed, half random, so
    terminals that lost the link together do not all come back in the same second."""

    base_s: float = 1.0
    cap_s: float = 60.0

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        if failures <= 0:
            return 0.0
        window = min(self.cap_s, self.base_s * 2.0 ** min(failures - 1, 30))
        return window / 2 + rand() * window / 2

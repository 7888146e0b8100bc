"""The sender's rules without I/O: batches, back-off, and what an acknowledgement settles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fleet.protocol import BatchAck
from kiosk.fleet_link.batching import Backoff, settle, to_batch
from kiosk.store.outbox import PendingItem


def item(seq: int, kind: str = "usage") -> PendingItem:
    payload = {"service_id": "pension_statement", "counter": "queries", "delta": 1}
    return PendingItem(seq, f"key-{seq:06d}", kind, payload, datetime(2026, 11, 30, tzinfo=UTC))


def test_a_batch_is_a_run_of_consecutive_numbers() -> None:
    batch = to_batch("T-1", [item(4), item(5), item(6)])
    assert [e.seq for e in batch.events] == [4, 5, 6]
    assert batch.events[0].key == "key-000004"
    with pytest.raises(ValueError, match="consecutive"):
        to_batch("T-1", [item(4), item(6)])
    with pytest.raises(ValueError, match="consecutive"):
        to_batch("T-1", [])


def test_an_item_that_does_not_fit_the_protocol_is_named() -> None:
    bad = PendingItem(7, "key-000007", "usage", {"service_id": "x", "counter": "Bad Name"},
                      datetime(2026, 11, 30, tzinfo=UTC))
    with pytest.raises(ValueError, match="outbox item 7"):
        to_batch("T-1", [bad])


@pytest.mark.parametrize(
    ("held", "drop", "resend"),
    [
        (10, 10, 11),  # all of 5..10 applied
        (7, 7, 8),  # the centre stopped part way (restarted mid-batch)
        (4, 4, 5),  # nothing new applied: resend from 5
        (12, 10, 13),  # it holds more (an earlier ack was lost): drop what was sent
    ],
)
def test_an_ack_drops_what_the_centre_holds(held: int, drop: int, resend: int) -> None:
    outcome = settle(5, 10, 12, BatchAck(last_seq=held))
    assert (outcome.drop_through, outcome.resend_from, outcome.problem) == (drop, resend, "")


def test_an_ack_no_resend_can_repair_is_a_problem_not_a_deletion() -> None:
    ahead = settle(5, 10, 12, BatchAck(last_seq=40))
    assert ahead.drop_through == 0 and "reset" in ahead.problem
    behind = settle(5, 10, 12, BatchAck(last_seq=2))
    assert behind.drop_through == 0 and "backup" in behind.problem


def test_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(base_s=1.0, cap_s=60.0)
    assert backoff.delay(0) == 0.0
    lows = [backoff.delay(n, lambda: 0.0) for n in range(1, 10)]
    highs = [backoff.delay(n, lambda: 1.0) for n in range(1, 10)]
    assert lows == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert highs == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert backoff.delay(10_000, lambda: 1.0) == 60.0  # no overflow after a long outage


def test_a_refused_batch_deletes_nothing_and_says_why() -> None:
    reset = settle(1, 3, 3, BatchAck(last_seq=40), refused=True)
    assert reset.drop_through == 0 and "other keys" in reset.problem
    restored = settle(5, 10, 12, BatchAck(last_seq=2), refused=True)
    assert restored.drop_through == 0 and "backup" in restored.problem
    odd = settle(5, 10, 12, BatchAck(last_seq=4), refused=True)
    assert odd.drop_through == 0 and odd.problem

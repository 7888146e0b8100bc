"""The outbox sender against a stand-in centre: a cut link, a centre dying mid-batch and a
lost answer each cost a resend, never an event lost or counted twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.fleet_link.batching import Backoff
from kiosk.fleet_link.client import FleetClient
from kiosk.fleet_link.sender import OutboxSender
from kiosk.store import Store
from services_catalog.model import AuthenticatedPerson
from tests.kiosk.fleet_fake import FakeCentre

PERSON = AuthenticatedPerson("410402198805201238", "张伟")


@pytest.fixture
def store(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1", fleet_outbox=True)
    yield store
    store.close()


def sender_for(store: Store, centre: FakeCentre, batch_size: int = 4) -> OutboxSender:
    client = FleetClient("http://centre.test", "T-1", centre.secret,
                         transport=centre.transport())
    return OutboxSender(store.outbox, client, "T-1", batch_size=batch_size,
                        backoff=Backoff(base_s=0.01, cap_s=0.05), rand=lambda: 1.0)


def queries(store: Store, n: int) -> None:
    for _ in range(n):
        store.audit.record("query", "ok", PERSON, "pension_statement")


def test_events_made_while_the_link_is_down_all_arrive_once(store: Store) -> None:
    centre = FakeCentre(down=True)
    sender = sender_for(store, centre)
    queries(store, 7)
    waits: list[float] = []
    assert sender.drain(wait=lambda d: waits.append(d) or False, max_failures=5) == 0
    assert waits == [0.01, 0.02, 0.04, 0.05]  # backing off up to the cap
    assert store.outbox.length() == 14
    centre.down = False
    assert sender.drain(max_failures=3) == 14
    assert store.outbox.length() == 0
    assert centre.counts[("usage", "pension_statement/queries")] == 7
    assert centre.counts[("audit", "query")] == 7
    assert centre.last_seq == 14


def test_a_centre_dying_mid_batch_and_a_lost_answer_count_nothing_twice(store: Store) -> None:
    centre = FakeCentre(die_after=2)
    sender = sender_for(store, centre, batch_size=6)
    queries(store, 10)  # 20 items
    assert sender.drain(max_failures=10) == 20
    assert centre.counts[("usage", "pension_statement/queries")] == 10
    centre.lose_answer = True
    queries(store, 3)
    assert sender.drain(max_failures=10) == 6
    assert centre.counts[("usage", "pension_statement/queries")] == 13
    assert centre.last_seq == store.outbox.last_seq() == 26


def test_a_wrong_secret_keeps_everything(store: Store) -> None:
    centre = FakeCentre()
    client = FleetClient("http://centre.test", "T-1", "not-the-secret",
                         transport=centre.transport())
    sender = OutboxSender(store.outbox, client, "T-1", backoff=Backoff(0.01, 0.02))
    queries(store, 2)
    assert sender.drain(max_failures=2) == 0
    assert store.outbox.length() == 4 and centre.last_seq == 0


def test_a_failed_registry_look_up_keeps_the_code_out_of_its_message() -> None:
    import httpx

    from kiosk.fleet_link.client import LinkDown, LinkRefused

    code = "ABCD-EFGH-JKLM-NPQR"
    for status, kind in ((403, LinkRefused), (503, LinkDown)):
        transport = httpx.MockTransport(lambda request, s=status: httpx.Response(s))
        with FleetClient("http://centre.test", "T-1", "secret-secret",
                         transport=transport) as client:
            with pytest.raises(kind) as caught:
                client.lookup(code)
        assert "ABCD" not in str(caught.value) and "registry look-up" in str(caught.value)

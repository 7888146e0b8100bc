"""The runner: effects asked for before the devices are up wait without blocking, and a failing
audit write stops the session cleanly (fail closed) instead of stranding the citizen on a
waiting screen or going on unrecorded."""

from __future__ import annotations

import threading
from unittest.mock import Mock

from kiosk import flow
from kiosk.session import SessionRunner
from services_catalog.model import QueryResult

from .test_flow import PERSON, make_service


def test_effects_wait_for_the_ports_without_blocking_dispatch() -> None:
    runner = SessionRunner()
    runner.dispatch(flow.ChooseService(make_service()))  # returns at once: nothing bound yet
    assert runner.state.screen is flow.Screen.PLACE_CARD
    card = Mock()
    runner.bind(card=card, face=Mock(), query=Mock(), certificates=Mock(), audit=Mock())
    assert card.arm.call_count == 1  # the queued effect ran when the ports came up


class BrokenAudit:
    def record(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("database is locked")


def test_a_failing_audit_write_stops_the_session_with_a_plain_page() -> None:
    answered = threading.Event()

    class Query:
        def query(self, service, person, inputs):
            answered.set()
            return QueryResult(service.id)

    runner = SessionRunner(card=Mock(), face=Mock(), query=Query(), certificates=Mock(),
                           audit=BrokenAudit())
    runner.dispatch(flow.ChooseService(make_service()))
    runner.dispatch(flow.CardAccepted(runner.state.token, PERSON))
    state = runner.wait_for(lambda s: s.screen is not flow.Screen.QUERYING, 5)
    # The answer was not shown: the terminal does not act for a citizen without its record.
    assert answered.is_set() and state.screen is flow.Screen.ERROR and state.result is None
    assert state.message is not None and state.message.zh.startswith("本机暂时无法完成")
    assert "cannot complete your request now" in state.message.en
    assert not state.message.can_retry
    runner.dispatch(flow.Retry())
    assert runner.state.screen is flow.Screen.ERROR  # no way round it but Home or Finish


def test_a_card_whose_reading_cannot_be_audited_is_not_accepted() -> None:
    card = Mock()
    runner = SessionRunner(card=card, face=Mock(), query=Mock(), certificates=Mock(),
                           audit=BrokenAudit())
    runner.dispatch(flow.ChooseService(make_service()))
    on_card = card.arm.call_args.args[0]
    on_card(PERSON, None)
    state = runner.state
    assert state.screen is flow.Screen.ERROR and state.person is None

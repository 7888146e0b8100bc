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


class Faulty:
    """A port every method of which works, except the ones named, which raise."""

    def __init__(self, *failing: str) -> None:
        self.calls: list[str] = []
        self._failing = set(failing)

    def __getattr__(self, name: str):
        def method(*args: object, **kwargs: object) -> None:
            self.calls.append(name)
            if name in self._failing:
                raise RuntimeError(f"{name} failed")
        return method


def _runner(**ports: object) -> tuple[SessionRunner, list[flow.SessionState]]:
    parts = {"card": Faulty(), "face": Faulty(), "query": Mock(), "certificates": Faulty(),
             "audit": Mock(), **ports}
    runner = SessionRunner(**parts)  # type: ignore[arg-type]
    shown: list[flow.SessionState] = []
    runner.subscribe(shown.append)
    return runner, shown


def test_a_port_raising_during_the_wipe_skips_no_other_clean_up() -> None:
    from services_catalog.model import AuthMethod

    card, face, certificates = Faulty(), Faulty("stop"), Faulty("forget_session")
    runner, shown = _runner(card=card, face=face, certificates=certificates)
    runner.dispatch(flow.ChooseService(make_service(auth=AuthMethod.CARD_FACE)))
    runner.dispatch(flow.CardAccepted(runner.state.token, PERSON))
    assert runner.state.screen is flow.Screen.FACE
    card.calls.clear()

    state = runner.dispatch(flow.Finish())  # the face port's stop() raises on the way out
    assert state.screen is flow.Screen.ATTRACT and state.person is None
    assert shown[-1].screen is flow.Screen.ATTRACT  # the view was told: no stale face page
    assert card.calls == ["disarm", "session_ended"]  # the left-card guard was still set


def test_a_port_refusing_to_start_a_step_becomes_that_steps_failure() -> None:
    runner, shown = _runner(card=Faulty("arm"))
    state = runner.dispatch(flow.ChooseService(make_service()))
    assert state.screen is flow.Screen.ERROR and state.message is not None
    assert state.message.can_retry
    assert [s.screen for s in shown][-2:] == [flow.Screen.PLACE_CARD, flow.Screen.ERROR]


def test_an_expired_card_offers_no_retry() -> None:
    from kiosk.ports import CARD_EXPIRED

    card = Mock()
    runner, _shown = _runner(card=card)
    runner.dispatch(flow.ChooseService(make_service()))
    on_card = card.arm.call_args.args[0]
    on_card(None, CARD_EXPIRED)  # what the card port says about an expired card
    state = runner.state
    assert state.screen is flow.Screen.ERROR and state.message is not None
    assert not state.message.can_retry and not state.message.offer_attendant
    assert runner.dispatch(flow.Retry()).screen is flow.Screen.ERROR  # no loop on the card
    assert card.arm.call_count == 1
    assert runner.dispatch(flow.Finish()).screen is flow.Screen.ATTRACT

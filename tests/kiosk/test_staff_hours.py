"""Outside the attendant's hours the error screen does not offer a staff member who is not
there: it says what the citizen can do instead."""

from __future__ import annotations

from datetime import datetime
from unittest.mock import Mock

from kiosk import flow
from kiosk.config import Settings
from kiosk.session import SessionRunner
from kiosk.staff_calls import staff_absent_hint

SETTINGS = Settings(hall_phone="0375-12345")
TUESDAY_NOON = datetime(2026, 11, 24, 12, 0)
TUESDAY_NIGHT = datetime(2026, 11, 24, 23, 0)
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0)


def test_staff_are_on_duty_on_weekday_office_hours_only() -> None:
    assert staff_absent_hint(SETTINGS, TUESDAY_NOON) is None
    for moment in (TUESDAY_NIGHT, SATURDAY_NOON):
        hint = staff_absent_hint(SETTINGS, moment)
        assert hint is not None and "0375-12345" in hint.zh and "0375-12345" in hint.en


def _failed_message(now: datetime) -> flow.Message:
    ports = {name: Mock() for name in ("card", "face", "query", "certificates", "audit")}
    runner = SessionRunner(wall_clock=lambda: now,
                           staff_absent=lambda t: staff_absent_hint(SETTINGS, t), **ports)
    runner.dispatch(flow.Touch())
    token = runner.state.token
    failure = flow.Message("人脸核验未通过。", "The face check failed.", can_retry=True,
                           offer_attendant=True)
    state = runner.state
    # Put the session on a step that can fail, the way the flow would.
    runner._state = flow.SessionState(screen=flow.Screen.FACE, token=token,
                                      last_activity=state.last_activity)
    runner.dispatch(flow.StepFailed(token, failure))
    assert runner.state.message is not None
    return runner.state.message


def test_error_offers_staff_in_office_hours() -> None:
    message = _failed_message(TUESDAY_NOON)
    assert message.offer_attendant and message.zh == "人脸核验未通过。"


def test_error_at_night_tells_what_to_do_instead() -> None:
    message = _failed_message(TUESDAY_NIGHT)
    assert not message.offer_attendant and message.can_retry
    assert message.zh.startswith("人脸核验未通过。") and "0375-12345" in message.zh


def test_the_waiting_net_at_night_tells_what_to_do_instead() -> None:
    """STUCK and "still printing" come from the flow itself, not from a device's failure."""
    ports = {name: Mock() for name in ("card", "face", "query", "certificates", "audit")}
    now = [0.0]
    runner = SessionRunner(wall_clock=lambda: TUESDAY_NIGHT, clock=lambda: now[0],
                           staff_absent=lambda t: staff_absent_hint(SETTINGS, t), **ports)
    runner.dispatch(flow.Touch())
    runner._state = flow.SessionState(screen=flow.Screen.QUERYING, token=runner.state.token)
    now[0] = runner.timeouts.waiting_s + 1
    runner.tick()
    message = runner.state.message
    assert runner.state.screen is flow.Screen.ERROR and message is not None
    assert not message.offer_attendant and "0375-12345" in message.zh

"""The flow after a print failure (the code kept on screen), collecting kept certificates with
the same card later, and "another service" in the same session."""

from __future__ import annotations

from kiosk import flow
from kiosk.flow import Screen
from services_catalog.model import AuthMethod, QueryResult
from tests.kiosk.test_flow import PERSON, T, make_service, run

JAM = flow.Message("卡纸", "Paper jam", can_retry=True, offer_attendant=True)

def _at_result(service=None):  # noqa: ANN001, ANN202
    state, _ = run(flow.SessionState(), flow.ChooseService(service or make_service()), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    result = QueryResult("real_estate.registration_info", values={"count": 1})
    state, _ = run(state, flow.QueryAnswered(token, result), 2)
    assert state.screen is Screen.RESULT
    return state, token, result

def test_a_failed_print_shows_the_kept_code() -> None:
    state, token, result = _at_result()
    state, _ = run(state, flow.RequestPrint(), 3)
    state, effects = run(
        state, flow.StepFailed(token, JAM, print_failed=True, verification_code="ABCD-EFGH",
                               slip_printed=True), 4)
    assert state.screen is Screen.PRINT_KEPT
    assert state.verification_code == "ABCD-EFGH" and state.slip_printed
    # Try again prints the same result again (the desk reuses the kept job).
    state, effects = run(state, flow.Retry(), 5)
    assert state.screen is Screen.PRINTING
    assert any(isinstance(e, flow.IssueAndPrint) and e.result is result for e in effects)

def test_a_failure_before_any_certificate_exists_is_an_ordinary_error() -> None:
    state, token, _ = _at_result()
    state, _ = run(state, flow.RequestPrint(), 3)
    state, _ = run(state, flow.StepFailed(token, JAM, print_failed=True), 4)
    assert state.screen is Screen.ERROR and state.verification_code == ""

def test_the_kept_code_stays_long_enough_to_write_down_then_is_wiped() -> None:
    state, token, _ = _at_result()
    state, _ = run(state, flow.RequestPrint(), 3)
    state, _ = run(state, flow.StepFailed(token, JAM, print_failed=True,
                                          verification_code="ABCD-EFGH"), 4)
    state, _ = run(state, flow.Tick(), 4 + T.idle_s + 1)
    assert state.screen is Screen.PRINT_KEPT  # the slower result limit applies
    state, effects = run(state, flow.Tick(), 4 + T.result_s + 1)
    assert state.screen is Screen.ATTRACT and state.verification_code == ""
    assert flow.SessionEnded("idle") in effects

def test_collecting_asks_for_card_and_face_then_prints_the_kept_ones() -> None:
    state, effects = run(flow.SessionState(), flow.StartCollect(), 0)
    token = state.token
    assert state.screen is Screen.PLACE_CARD and state.collecting and token
    assert flow.ArmCardReader(token, face_follows=True) in effects
    state, effects = run(state, flow.CardAccepted(token, PERSON), 1)
    assert state.screen is Screen.FACE  # always: a kept certificate goes to its holder only
    assert any(isinstance(e, flow.StartFaceCheck) for e in effects)
    state, effects = run(state, flow.FaceVerified(token), 2)
    assert state.screen is Screen.COLLECTING
    collect = next(e for e in effects if isinstance(e, flow.CollectKept))
    assert collect.token == token and collect.person.face_verified
    # Home and Finish wait while certificates are coming out.
    assert run(state, flow.GoHome(), 3)[0].screen is Screen.COLLECTING
    state, effects = run(state, flow.Collected(token, ("AAAA-BBBB", "CCCC-DDDD")), 4)
    assert state.screen is Screen.DONE
    assert state.verification_code == "AAAA-BBBB, CCCC-DDDD"

def test_a_collect_that_takes_too_long_offers_no_second_collect() -> None:
    state, _ = run(flow.SessionState(), flow.StartCollect(), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    state, _ = run(state, flow.FaceVerified(state.token), 2)
    assert state.screen is Screen.COLLECTING
    state, _ = run(state, flow.Tick(), 2 + T.waiting_s + 1)
    assert state.screen is Screen.ERROR and state.message is not None
    assert not state.message.can_retry  # the first may still be printing: watch the tray
    state, effects = run(state, flow.Retry(), 2 + T.waiting_s + 2)
    assert not any(isinstance(e, flow.CollectKept) for e in effects)

def test_collecting_from_home_and_a_failed_face_check_can_be_retried() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.StartCollect(), 1)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 2)
    state, _ = run(state, flow.StepFailed(token, flow.Message("x", "x", can_retry=True)), 3)
    assert state.screen is Screen.ERROR and state.collecting
    state, effects = run(state, flow.Retry(), 4)
    assert state.screen is Screen.FACE
    state, _ = run(state, flow.FaceVerified(token), 5)
    state, _ = run(state, flow.StepFailed(token, flow.retryable(JAM), print_failed=True), 6)
    assert state.screen is Screen.ERROR  # no code of its own: the kept ones stay kept
    state, effects = run(state, flow.Retry(), 7)
    assert state.screen is Screen.COLLECTING
    assert any(isinstance(e, flow.CollectKept) for e in effects)

def test_collect_inside_a_live_session_asks_card_and_face_again() -> None:
    state, token, _ = _at_result()  # A signed in (card only); a passer-by taps Home, Collect
    state, _ = run(state, flow.GoHome(), 3)
    state, effects = run(state, flow.StartCollect(), 4)
    assert state.screen is Screen.PLACE_CARD and state.person is None
    assert flow.ArmCardReader(token, face_follows=True) in effects
    assert not any(isinstance(e, flow.CollectKept) for e in effects)
    state, effects = run(state, flow.CardAccepted(token, PERSON), 5)
    assert state.screen is Screen.FACE


def test_back_from_the_collect_card_step_leaves_collect_mode() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.StartCollect(), 1)
    state, effects = run(state, flow.GoBack(), 2)
    assert state.screen is Screen.HOME and not state.collecting
    assert flow.DisarmCardReader() in effects

def test_another_service_keeps_the_card_holder_within_the_session() -> None:
    face_service = make_service(auth=AuthMethod.CARD_FACE)
    state, _ = run(flow.SessionState(), flow.ChooseService(face_service), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    state, _ = run(state, flow.FaceVerified(token), 2)
    result = QueryResult("real_estate.registration_info", values={"count": 1})
    state, _ = run(state, flow.QueryAnswered(token, result), 3)
    state, _ = run(state, flow.RequestPrint(), 4)
    state, _ = run(state, flow.Printed(token, "ABCD-EFGH"), 5)
    assert state.screen is Screen.DONE
    state, effects = run(state, flow.AnotherService(), 6)
    assert state.screen is Screen.HOME and state.token == token
    assert state.person is not None and state.person.face_verified
    assert state.service is None and state.result is None and state.verification_code == ""
    assert not any(isinstance(e, flow.SessionEnded) for e in effects)
    # The next service goes straight to its query: no second card, no second face check.
    other = face_service.model_copy(update={"id": "pension.payments"})
    state, effects = run(state, flow.ChooseService(other), 7)
    assert state.screen is Screen.QUERYING
    assert not any(isinstance(e, flow.ArmCardReader | flow.StartFaceCheck) for e in effects)
    # The idle timeout still wipes the person.
    state, _ = run(state, flow.QueryAnswered(token, result), 8)
    state, effects = run(state, flow.Tick(), 8 + T.result_s + 1)
    assert state.screen is Screen.ATTRACT and state.person is None
    assert flow.SessionEnded("idle") in effects

def test_another_service_is_ignored_while_printing() -> None:
    state, _, _ = _at_result()
    state, _ = run(state, flow.RequestPrint(), 3)
    assert run(state, flow.AnotherService(), 4)[0].screen is Screen.PRINTING


def test_the_list_of_services_opens_from_attract_and_a_tap_chooses_one() -> None:
    state, _ = run(flow.SessionState(), flow.ShowAllServices(), 0)
    assert state.screen is Screen.ALL_SERVICES and state.token
    state, effects = run(state, flow.ChooseService(make_service()), 1)
    assert state.screen is Screen.PLACE_CARD
    state, _ = run(state, flow.GoBack(), 2)
    assert state.screen is Screen.ALL_SERVICES  # back where the service was chosen
    state, _ = run(state, flow.GoBack(), 3)
    assert state.screen is Screen.HOME


def _collecting(timeouts: flow.Timeouts):  # noqa: ANN202
    state, _ = flow.step(flow.SessionState(), flow.StartCollect(), 0.0, timeouts)
    state, _ = flow.step(state, flow.CardAccepted(state.token, PERSON), 0.0, timeouts)
    state, _ = flow.step(state, flow.FaceVerified(state.token), 0.0, timeouts)
    assert state.screen is Screen.COLLECTING
    return state


def test_a_collect_given_up_on_offers_no_retry_and_its_late_answer_still_counts() -> None:
    timeouts = flow.Timeouts(waiting_s=10.0)
    state, _ = flow.step(_collecting(timeouts), flow.Tick(), 11.0, timeouts)
    assert state.screen is Screen.ERROR and state.message is not None
    assert not state.message.can_retry and state.print_in_flight
    _, effects = flow.step(state, flow.Retry(), 12.0, timeouts)
    assert not any(isinstance(e, flow.CollectKept) for e in effects)
    done, _ = flow.step(state, flow.Collected(state.token, ("AAAA-BBBB",)), 30.0, timeouts)
    assert done.screen is Screen.DONE and done.verification_code == "AAAA-BBBB"
    late, _ = flow.step(state, flow.StepFailed(state.token, flow.retryable(JAM)), 30.0,
                        timeouts)
    assert late.message is not None and late.message.can_retry and not late.print_in_flight


def test_a_print_failing_after_the_waiting_net_still_shows_the_kept_code() -> None:
    timeouts = flow.Timeouts(waiting_s=10.0)
    state, token, _ = _at_result()
    state, _ = flow.step(state, flow.RequestPrint(), 3.0, timeouts)
    state, _ = flow.step(state, flow.Tick(), 14.0, timeouts)
    assert state.screen is Screen.ERROR and state.print_in_flight
    state, _ = flow.step(state, flow.StepFailed(
        token, JAM, print_failed=True, verification_code="ABCD-EFGH", slip_printed=True),
        200.0, timeouts)
    assert state.screen is Screen.PRINT_KEPT and state.verification_code == "ABCD-EFGH"
    assert state.slip_printed and not state.print_in_flight

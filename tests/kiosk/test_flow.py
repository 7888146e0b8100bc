"""The session state machine, driven event by event with no devices and no screen."""

from __future__ import annotations

from kiosk import flow
from kiosk.flow import Screen
from services_catalog.model import AuthenticatedPerson, AuthMethod, Category, QueryResult, Service

T = flow.Timeouts(idle_s=60, elderly_idle_s=120, result_s=90, done_s=15)
PERSON = AuthenticatedPerson("410402198805201238", "张伟")


def make_service(**changes: object) -> Service:
    base: dict[str, object] = dict(
        id="real_estate.registration_info", name_zh="不动产登记信息查询",
        name_en="Real estate registration information", category=Category.REAL_ESTATE,
        agency_zh="市不动产登记中心", agency_en="Municipal Real Estate Registration Centre",
        adapter="real_estate", operation="registration_info",
        result_fields=[{"key": "count", "label_zh": "套数", "label_en": "Count"}],
        printable=True, template="real_estate", seal="real_estate_registry",
    )
    base.update(changes)
    return Service.model_validate(base)


def run(state: flow.SessionState, event: flow.Event, now: float = 0.0):
    return flow.step(state, event, now, T)


def effect_types(effects: list[flow.Effect]) -> list[type]:
    return [type(e) for e in effects]


def test_a_whole_session_from_touch_to_done_and_back_to_attract() -> None:
    state, effects = run(flow.SessionState(), flow.Touch(), 1)
    assert state.screen is Screen.HOME and state.token
    token = state.token
    state, _ = run(state, flow.ChooseCategory(Category.REAL_ESTATE), 2)
    assert state.screen is Screen.SERVICE_LIST
    state, effects = run(state, flow.ChooseService(make_service()), 3)
    assert state.screen is Screen.PLACE_CARD
    assert flow.ArmCardReader(token) in effects
    state, effects = run(state, flow.CardAccepted(token, PERSON), 4)
    assert state.screen is Screen.QUERYING and state.person == PERSON
    assert effect_types(effects)[:2] == [flow.DisarmCardReader, flow.RunQuery]
    result = QueryResult("real_estate.registration_info", values={"count": 1})
    state, _ = run(state, flow.QueryAnswered(token, result), 5)
    assert state.screen is Screen.RESULT and state.result == result
    state, effects = run(state, flow.RequestPrint(), 6)
    assert state.screen is Screen.PRINTING
    assert isinstance(effects[0], flow.IssueAndPrint) and effects[0].result == result
    state, _ = run(state, flow.Printed(token, "ABCD-EFGH"), 7)
    assert state.screen is Screen.DONE and state.verification_code == "ABCD-EFGH"
    state, effects = run(state, flow.Tick(), 7 + T.done_s + 0.1)
    assert state.screen is Screen.ATTRACT
    assert state.person is None and state.result is None and state.token == ""
    assert flow.SessionEnded("idle") in effects


def test_face_is_asked_only_for_services_that_need_it_then_inputs() -> None:
    service = make_service(
        auth=AuthMethod.CARD_FACE,
        inputs=[{"key": "year", "label_zh": "年份", "label_en": "Year", "kind": "year",
                 "min": 2000, "max": 2026}],
    )
    state, _ = run(flow.SessionState(), flow.ChooseService(service), 0)
    token = state.token
    state, effects = run(state, flow.CardAccepted(token, PERSON), 1)
    assert state.screen is Screen.FACE
    assert any(isinstance(e, flow.StartFaceCheck) for e in effects)
    state, effects = run(state, flow.FaceVerified(token), 2)
    assert state.screen is Screen.INPUTS and state.person and state.person.face_verified
    state, effects = run(state, flow.SubmitInputs({"year": "2024"}), 3)
    assert state.screen is Screen.QUERYING
    query = next(e for e in effects if isinstance(e, flow.RunQuery))
    assert query.inputs == {"year": "2024"}


def test_an_answer_for_a_wiped_session_is_ignored() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    old_token = state.token
    state, _ = run(state, flow.Tick(), 0 + T.idle_s + 1)
    assert state.screen is Screen.ATTRACT
    state, _ = run(state, flow.Touch(), 100)
    late, effects = run(state, flow.CardAccepted(old_token, PERSON), 101)
    assert late.person is None and late.screen is Screen.HOME and effects == []


def test_idle_clock_is_longer_in_elderly_mode_and_stops_while_waiting() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.ToggleElderly(), 0)
    state, _ = run(state, flow.Tick(), T.idle_s + 5)
    assert state.screen is Screen.HOME  # normal limit passed, elderly limit not
    assert state.seconds_left(T.idle_s + 5, T) == T.elderly_idle_s - T.idle_s - 5
    state, _ = run(state, flow.ChooseService(make_service()), 70)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 71)
    assert state.screen is Screen.QUERYING
    state, _ = run(state, flow.Tick(), 71 + T.idle_s * 2)
    assert state.screen is Screen.QUERYING  # waiting on the back-end is not idleness


def test_failed_query_offers_retry_which_runs_the_query_again() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    message = flow.Message("超时", "timeout", can_retry=True)
    state, _ = run(state, flow.StepFailed(state.token, message), 2)
    assert state.screen is Screen.ERROR and state.message == message
    state, effects = run(state, flow.Retry(), 3)
    assert state.screen is Screen.QUERYING
    assert any(isinstance(e, flow.RunQuery) for e in effects)


def test_error_without_retry_ignores_retry() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    state, _ = run(state, flow.StepFailed(state.token, flow.Message("拒绝", "refused")), 2)
    again, effects = run(state, flow.Retry(), 3)
    assert again.screen is Screen.ERROR and effects == []


def test_failed_print_can_be_retried_from_the_error_screen() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    state, _ = run(state, flow.QueryAnswered(token, QueryResult("x")), 2)
    state, _ = run(state, flow.RequestPrint(), 3)
    msg = flow.Message("缺纸", "out of paper", can_retry=True, offer_attendant=True)
    state, _ = run(state, flow.StepFailed(token, msg, print_failed=True), 4)
    assert state.screen is Screen.ERROR and state.print_failed
    state, effects = run(state, flow.Retry(), 5)
    assert state.screen is Screen.PRINTING
    assert any(isinstance(e, flow.IssueAndPrint) for e in effects)


def test_back_from_a_service_step_returns_to_the_list_and_disarms_the_reader() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.ChooseCategory(Category.REAL_ESTATE), 1)
    state, _ = run(state, flow.ChooseService(make_service()), 2)
    state, effects = run(state, flow.GoBack(), 3)
    assert state.screen is Screen.SERVICE_LIST
    assert flow.DisarmCardReader() in effects
    state, _ = run(state, flow.GoBack(), 4)
    assert state.screen is Screen.HOME


def test_home_keeps_the_card_holder_language_and_text_size_only_finish_wipes() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.SetLanguage("en"), 0)
    state, _ = run(state, flow.ToggleElderly(), 0)
    state, _ = run(state, flow.ChooseService(make_service()), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    state, _ = run(state, flow.QueryAnswered(token, QueryResult("x")), 2)
    state, effects = run(state, flow.GoHome(), 3)
    assert state.screen is Screen.HOME and state.token == token and state.person == PERSON
    assert state.language == "en" and state.elderly
    assert state.result is None and state.service is None
    assert not any(isinstance(e, flow.SessionEnded) for e in effects)
    # the next service needs no second card
    state, effects = run(state, flow.ChooseService(make_service()), 4)
    assert state.screen is Screen.QUERYING and not any(
        isinstance(e, flow.ArmCardReader) for e in effects)
    state, _ = run(state, flow.QueryAnswered(token, QueryResult("x")), 5)
    state, effects = run(state, flow.Finish(), 6)
    assert state.screen is Screen.ATTRACT and state.person is None
    assert state.language == "zh" and not state.elderly
    assert flow.SessionEnded("finish") in effects


def test_home_from_the_card_step_disarms_the_reader_and_drops_a_late_answer() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    token = state.token
    state, effects = run(state, flow.GoHome(), 1)
    assert state.screen is Screen.HOME and flow.DisarmCardReader() in effects
    state, _ = run(state, flow.CardAccepted(token, PERSON), 2)
    assert state.screen is Screen.HOME and state.person is None


def test_language_and_text_size_chosen_on_the_attract_screen_carry_into_the_session() -> None:
    state, _ = run(flow.SessionState(), flow.SetLanguage("en"), 0)
    state, _ = run(state, flow.ToggleElderly(), 0)
    assert state.screen is Screen.ATTRACT
    state, _ = run(state, flow.Touch(), 1)
    assert state.screen is Screen.HOME and state.language == "en" and state.elderly


def test_idle_warning_comes_at_least_twenty_seconds_before_the_wipe() -> None:
    assert T.warning_s >= 20
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    assert not state.warning_due(T.idle_s - T.warning_s - 1, T)
    assert state.warning_due(T.idle_s - T.warning_s, T)
    state, _ = run(state, flow.Tick(), T.idle_s - 20)
    assert state.screen is Screen.HOME and state.seconds_left(T.idle_s - 20, T) == 20
    state, _ = run(state, flow.Touch(), T.idle_s - 5)  # "more time"
    assert not state.warning_due(T.idle_s, T)
    state, _ = run(state, flow.Tick(), T.idle_s - 5 + T.idle_s + 1)
    assert state.screen is Screen.ATTRACT


def test_help_has_a_longer_limit_of_its_own_then_warns_and_wipes() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.ChooseCategory(Category.REAL_ESTATE), 5)
    state, _ = run(state, flow.SetHelpOpen(True), 10)
    limit = T.idle_s * flow.HELP_FACTOR
    assert state.seconds_left(10 + T.idle_s + 1, T) == limit - T.idle_s - 1
    state, _ = run(state, flow.Tick(), 10 + T.idle_s + 1)
    assert state.screen is Screen.SERVICE_LIST  # reading Help is not idleness...
    assert state.warning_due(10 + limit - T.warning_s, T)
    state, effects = run(state, flow.Tick(), 10 + limit + 0.1)
    assert state.screen is Screen.ATTRACT and state.token == ""  # ...but walking away is
    assert not state.help_open and flow.SessionEnded("idle") in effects


def test_closing_help_restarts_the_idle_clock_in_full() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.SetHelpOpen(True), 10)
    state, _ = run(state, flow.SetHelpOpen(False), 10 + T.idle_s * 1.5)
    assert state.seconds_left(10 + T.idle_s * 1.5, T) == T.idle_s
    state, _ = run(state, flow.Tick(), 10 + T.idle_s * 2.5 + 1)
    assert state.screen is Screen.ATTRACT


def test_the_idle_clock_waits_during_the_face_check_which_has_its_own_limits() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.ChooseService(make_service(auth=AuthMethod.CARD_FACE)), 1)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 2)
    assert state.screen is Screen.FACE
    assert not state.warning_due(2 + T.idle_s - 1, T)  # no prompt over the camera preview
    state, _ = run(state, flow.Tick(), 2 + T.idle_s + 1)
    assert state.screen is Screen.FACE
    state, _ = run(state, flow.FaceVerified(state.token), 2 + T.idle_s + 5)
    assert state.screen is Screen.QUERYING


def test_large_text_doubles_idle_limits_and_the_face_check_time() -> None:
    normal, _ = run(flow.SessionState(), flow.Touch(), 0)
    large, _ = run(normal, flow.ToggleElderly(), 0)
    assert large.idle_limit(T) == 2 * normal.idle_limit(T)
    quick = flow.Timeouts(idle_s=100, elderly_idle_s=30)  # a configured floor below 2x
    assert large.idle_limit(quick) == 200
    service = make_service(auth=AuthMethod.CARD_FACE)
    for state, factor in ((normal, 1.0), (large, 2.0)):
        state, _ = run(state, flow.ChooseService(service), 1)
        state, effects = run(state, flow.CardAccepted(state.token, PERSON), 2)
        start = next(e for e in effects if isinstance(e, flow.StartFaceCheck))
        assert start.time_factor == factor


def test_out_of_service_between_sessions_and_back_by_itself() -> None:
    state, _ = run(flow.SessionState(), flow.DevicesChanged(False), 0)
    assert state.screen is Screen.OUT_OF_SERVICE
    same, _ = run(state, flow.Touch(), 1)
    assert same.screen is Screen.OUT_OF_SERVICE
    state, _ = run(state, flow.DevicesChanged(True), 2)
    assert state.screen is Screen.ATTRACT


def test_devices_failing_mid_session_let_the_citizen_finish_first() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, _ = run(state, flow.DevicesChanged(False), 1)
    assert state.screen is Screen.HOME
    state, _ = run(state, flow.Finish(), 2)
    assert state.screen is Screen.OUT_OF_SERVICE


def test_state_repr_hides_the_person() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    text = repr(state) + repr(state.person)
    assert "410402198805201238" not in text and "张伟" not in text


def test_inputs_that_are_all_defaults_count_as_submitted() -> None:
    service = make_service(inputs=[{"key": "year", "label_zh": "年份", "label_en": "Year",
                                    "kind": "year", "required": False}])
    state, _ = run(flow.SessionState(), flow.ChooseService(service), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    assert state.screen is Screen.INPUTS
    state, effects = run(state, flow.SubmitInputs({}), 2)
    assert state.screen is Screen.QUERYING
    assert any(isinstance(e, flow.RunQuery) for e in effects)


def test_a_service_closed_at_night_says_so_before_asking_for_a_card() -> None:
    state, _ = run(flow.SessionState(), flow.Touch(), 0)
    state, effects = run(state, flow.ChooseService(make_service(), opens_at="06:00"), 1)
    assert state.screen is Screen.ERROR and effects == []
    assert state.message is not None and "06:00" in state.message.zh
    assert "06:00" in state.message.en and not state.message.can_retry
    state, _ = run(state, flow.GoBack(), 2)
    assert state.screen is Screen.HOME


def test_a_lost_answer_turns_into_an_error_instead_of_a_spinner_forever() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    state, _ = run(state, flow.CardAccepted(state.token, PERSON), 1)
    assert state.screen is Screen.QUERYING
    state, _ = run(state, flow.Touch(), T.waiting_s)  # touching does not extend the wait
    state, _ = run(state, flow.Tick(), 1 + T.waiting_s + 1)
    assert state.screen is Screen.ERROR and state.message is flow.STUCK
    state, _ = run(state, flow.Tick(), 1 + T.waiting_s + 1 + T.idle_s + 1)
    assert state.screen is Screen.ATTRACT and state.person is None


def test_home_is_ignored_while_a_certificate_prints() -> None:
    state, _ = run(flow.SessionState(), flow.ChooseService(make_service()), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    state, _ = run(state, flow.QueryAnswered(token, QueryResult("x")), 2)
    state, _ = run(state, flow.RequestPrint(), 3)
    for event in (flow.GoHome(), flow.Finish(), flow.GoBack()):
        same, effects = run(state, event, 4)
        assert same.screen is Screen.PRINTING and effects == []


def test_after_three_failed_face_checks_the_citizen_is_sent_to_a_person() -> None:
    service = make_service(auth=AuthMethod.CARD_FACE)
    state, _ = run(flow.SessionState(), flow.ChooseService(service), 0)
    token = state.token
    state, _ = run(state, flow.CardAccepted(token, PERSON), 1)
    failure = flow.Message("未通过", "failed", can_retry=True, offer_attendant=True)
    for attempt in range(1, flow.MAX_FACE_ATTEMPTS + 1):
        assert state.screen is Screen.FACE
        state, _ = run(state, flow.StepFailed(token, failure), 2 + attempt)
        assert state.screen is Screen.ERROR and state.message is not None
        if attempt < flow.MAX_FACE_ATTEMPTS:
            assert state.message.can_retry
            state, _ = run(state, flow.Retry(), 2 + attempt)
    assert not state.message.can_retry and state.message.offer_attendant
    assert "人工窗口" in state.message.zh

"""The citizen session's moves: `step(state, event, now, timeouts)` is the whole session
logic. Pure: the same inputs always give the same outputs, with no Qt, no I/O and no clock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kiosk.flow.events import (
    AnotherService,
    ArmCardReader,
    CardAccepted,
    ChooseCategory,
    ChooseService,
    Collected,
    CollectKept,
    DevicesChanged,
    DisarmCardReader,
    Effect,
    EffectResult,
    Event,
    FaceVerified,
    Finish,
    GoBack,
    GoHome,
    IssueAndPrint,
    Message,
    Printed,
    QueryAnswered,
    RequestPrint,
    Retry,
    RunQuery,
    SessionEnded,
    SetHelpOpen,
    SetLanguage,
    ShowAllServices,
    Speak,
    StartCollect,
    StartFaceCheck,
    StepFailed,
    StopFaceCheck,
    SubmitInputs,
    Tick,
    ToggleElderly,
    Touch,
    TurnVoiceOn,
)
from kiosk.flow.state import (
    COLLECT_IN_FLIGHT,
    ELDERLY_FACTOR,
    NO_SESSION,
    WAITING,
    Screen,
    SessionState,
    Timeouts,
    new_session,
)
from services_catalog.errors import ServiceClosed
from services_catalog.model import AuthMethod

Transition = tuple[SessionState, list[Effect]]

MAX_FACE_ATTEMPTS = 3
FACE_GIVE_UP = Message(
    "已多次未能通过人脸核验，请携带身份证到人工窗口办理。",
    "The face check did not succeed after several tries. Please take your ID card to a "
    "staffed counter.",
)
PRINT_STILL_RUNNING = Message(
    "您的证明仍在打印中，请稍候并留意出纸口；如长时间没有出纸，请联系工作人员。",
    "Your certificate is still being printed. Please wait and watch the output tray; if "
    "nothing comes out, ask staff.",
    can_retry=False,
    offer_attendant=True,
)
STUCK = Message(
    "业务系统长时间没有回应，本次操作未完成。请稍后再试或联系工作人员。",
    "The system did not answer for a long time, so this step did not finish. Please try "
    "again later or ask staff.",
    can_retry=True,
    offer_attendant=True,
)


def wipe(state: SessionState, reason: str) -> Transition:
    """Forget the citizen: a fresh state keeps only the terminal's own facts."""
    screen = Screen.ATTRACT if state.devices_ok else Screen.OUT_OF_SERVICE
    fresh = SessionState(screen=screen, devices_ok=state.devices_ok)
    return fresh, [DisarmCardReader(), StopFaceCheck(), SessionEnded(reason)]


def _go(state: SessionState, screen: Screen, now: float, **changes: Any) -> SessionState:
    history = state.history
    if screen is not state.screen and state.screen not in WAITING | {Screen.ERROR}:
        history = (*history, state.screen)
    return replace(state, screen=screen, last_activity=now, history=history, **changes)


def _next_step_for(state: SessionState, now: float) -> Transition:
    """After a service is chosen: card, then face if needed, then inputs, then the query.
    Collecting kept certificates always asks for card and face, then prints."""
    person = state.person
    if person is None:
        face_follows = state.collecting or (
            state.service is not None and state.service.auth is AuthMethod.CARD_FACE)
        return _go(state, Screen.PLACE_CARD, now), [ArmCardReader(state.token, face_follows)]
    if state.collecting:
        if not person.face_verified:
            factor = ELDERLY_FACTOR if state.elderly else 1.0
            return _go(state, Screen.FACE, now), [StartFaceCheck(state.token, person, factor)]
        return _go(state, Screen.COLLECTING, now), [CollectKept(state.token, person)]
    service = state.service
    assert service is not None
    if service.auth is AuthMethod.CARD_FACE and not person.face_verified:
        factor = ELDERLY_FACTOR if state.elderly else 1.0
        return _go(state, Screen.FACE, now), [StartFaceCheck(state.token, person, factor)]
    if service.inputs and not state.inputs_submitted:
        return _go(state, Screen.INPUTS, now), []
    return _go(state, Screen.QUERYING, now), [
        RunQuery(state.token, service, person, state.inputs)
    ]


def _print_failed(state: SessionState, event: StepFailed, now: float) -> Transition:
    """A certificate that did not print but is kept: the citizen leaves with its code."""
    kept = _go(
        state, Screen.PRINT_KEPT, now, message=event.message, retry_screen=Screen.PRINTING,
        print_failed=True, verification_code=event.verification_code,
        slip_printed=event.slip_printed,
    )
    return kept, []  # the screen's own prompt reads the code out (kiosk.ui)


def step(state: SessionState, event: Event, now: float, timeouts: Timeouts) -> Transition:
    """The whole session logic. Pure: the same inputs always give the same outputs."""
    if isinstance(event, EffectResult) and (not state.token or event.token != state.token):
        return state, []  # an answer for a session that no longer exists
    if isinstance(event, DevicesChanged):
        state = replace(state, devices_ok=event.required_ok)
        if state.screen in NO_SESSION:
            screen = Screen.ATTRACT if event.required_ok else Screen.OUT_OF_SERVICE
            return replace(state, screen=screen), []
        return state, []
    if isinstance(event, Tick):
        left = state.seconds_left(now, timeouts)
        if left is not None and left <= 0:
            return wipe(state, "idle")
        if state.screen in WAITING and now - state.last_activity > timeouts.waiting_s:
            # Adapters and printers have their own timeouts; this is the net under them, so a
            # lost answer never strands the citizen (and their data) on a spinner.
            if state.screen in (Screen.PRINTING, Screen.COLLECTING):
                # The print may still be running: no retry may start a second one.
                failed, stopped = step(
                    state, StepFailed(state.token, PRINT_STILL_RUNNING, print_failed=True),
                    now, timeouts)
                in_flight = state.print_request if state.screen is Screen.PRINTING \
                    else COLLECT_IN_FLIGHT
                return replace(failed, print_in_flight=in_flight), stopped
            return step(state, StepFailed(state.token, STUCK), now, timeouts)
        return state, []
    if isinstance(event, SetLanguage):
        return replace(state, language=event.language, last_activity=now), []
    if isinstance(event, ToggleElderly):
        effects: list[Effect] = [Speak("elderly_on")] if not state.elderly else []
        return replace(state, elderly=not state.elderly, last_activity=now), effects
    if isinstance(event, TurnVoiceOn):
        return replace(state, voice=True, last_activity=now), []
    if isinstance(event, SetHelpOpen):
        # Closing Help restarts the idle clock in full: reading was not idleness.
        return replace(state, help_open=event.open and bool(state.token), last_activity=now), []

    screen = state.screen
    if screen is Screen.OUT_OF_SERVICE:
        return state, []
    if screen is Screen.ATTRACT:
        if not state.devices_ok:
            return state, []  # still starting: no session until the terminal can serve
        if isinstance(event, Touch | ChooseCategory | ChooseService | StartCollect
                      | ShowAllServices):
            fresh = new_session(state.language, state.elderly, now, state.devices_ok,
                                state.voice)
            if isinstance(event, Touch):
                return fresh, []
            return step(fresh, event, now, timeouts)
        return state, []

    if isinstance(event, Touch):
        if screen in WAITING:
            return state, []  # touches must not push the waiting deadline away
        return replace(state, last_activity=now), []
    if isinstance(event, GoHome | Finish) and screen in (Screen.PRINTING, Screen.COLLECTING):
        return state, []  # a certificate on its way out must not print for an empty hall
    if isinstance(event, GoHome):
        return _home(state, now)
    if isinstance(event, Finish):
        return wipe(state, "finish")
    if isinstance(event, GoBack):
        return _back(state, now)
    if isinstance(event, AnotherService):
        if screen in WAITING:
            return state, []
        return _home(state, now)
    if isinstance(event, ShowAllServices):
        if screen in WAITING:
            return state, []
        return _go(state, Screen.ALL_SERVICES, now, category=None), []
    if isinstance(event, StartCollect):
        if screen in WAITING:
            return state, []
        # Always card and face again, even inside a live session: whoever stands here now
        # may not be the card holder who was signed in a minute ago.
        collect = replace(
            state, collecting=True, person=None, service=None, category=None, inputs={},
            inputs_submitted=False, result=None, message=None, verification_code="",
            print_failed=False, slip_printed=False,
        )
        return _next_step_for(collect, now)
    if isinstance(event, Collected) and screen is Screen.COLLECTING:
        codes = ", ".join(event.verification_codes)
        done = _go(state, Screen.DONE, now, verification_code=codes, collecting=False)
        return done, []
    if isinstance(event, ChooseCategory):
        return _go(state, Screen.SERVICE_LIST, now, category=event.category), []
    if isinstance(event, ChooseService):
        if screen in WAITING:
            return state, []
        if event.opens_at:
            closed = ServiceClosed(event.opens_at)
            message = Message(closed.message_zh, closed.message_en)
            return _go(state, Screen.ERROR, now, message=message, retry_screen=None), []
        chosen = replace(
            state, service=event.service, category=event.service.category, inputs={},
            inputs_submitted=False, result=None, message=None, verification_code="",
            print_failed=False, slip_printed=False, collecting=False,
        )
        return _next_step_for(chosen, now)
    if isinstance(event, CardAccepted) and screen is Screen.PLACE_CARD:
        authed = replace(state, person=event.person, last_activity=now)
        effects, (nxt, more) = [DisarmCardReader()], _next_step_for(authed, now)
        return nxt, effects + more
    if isinstance(event, FaceVerified) and screen is Screen.FACE and state.person is not None:
        person = replace(state.person, face_verified=True)
        nxt, more = _next_step_for(replace(state, person=person), now)
        return nxt, [StopFaceCheck(), *more]
    if isinstance(event, SubmitInputs) and screen is Screen.INPUTS:
        submitted = replace(state, inputs=dict(event.inputs), inputs_submitted=True)
        return _next_step_for(submitted, now)
    if state.print_in_flight and screen is Screen.ERROR and isinstance(event, Printed):
        done = _go(state, Screen.DONE, now, verification_code=event.verification_code,
                   print_in_flight="", message=None)
        return done, []
    if state.print_in_flight and screen is Screen.ERROR and isinstance(event, Collected):
        codes = ", ".join(event.verification_codes)
        done = _go(state, Screen.DONE, now, verification_code=codes, collecting=False,
                   print_in_flight="", message=None)
        return done, []
    if state.print_in_flight and screen is Screen.ERROR and isinstance(event, StepFailed):
        # The late end of the print: a kept certificate still gives its code and slip; else
        # the citizen may now try again if the failure allows.
        if event.verification_code:
            return _print_failed(replace(state, print_in_flight=""), event, now)
        return replace(state, message=event.message, print_in_flight="",
                       last_activity=now), []
    if isinstance(event, QueryAnswered) and screen is Screen.QUERYING:
        return _go(state, Screen.RESULT, now, result=event.result,
                   answers=state.answers + 1), []
    if isinstance(event, RequestPrint) and screen is Screen.RESULT:
        if state.service is None or not state.service.printable or state.result is None:
            return state, []
        request_key = f"{state.token}.{state.answers}"
        if request_key == state.print_in_flight:
            return state, []
        assert state.person is not None
        effects = [IssueAndPrint(state.token, state.service, state.person, state.result,
                                 request_key)]
        return _go(state, Screen.PRINTING, now, print_failed=False,
                   print_request=request_key), effects
    if isinstance(event, Printed) and screen is Screen.PRINTING:
        done = _go(state, Screen.DONE, now, verification_code=event.verification_code)
        return done, []
    if isinstance(event, StepFailed) and screen is Screen.PRINTING and event.verification_code:
        return _print_failed(state, event, now)
    if isinstance(event, StepFailed) and screen in (
        Screen.PLACE_CARD, Screen.FACE, Screen.QUERYING, Screen.PRINTING, Screen.COLLECTING
    ):
        message = event.message
        face_failures = state.face_failures + (screen is Screen.FACE)
        if screen is Screen.FACE and face_failures >= MAX_FACE_ATTEMPTS:
            # Never an endless loop in front of the camera: after a few tries, a person helps.
            message = Message(message.zh + FACE_GIVE_UP.zh, f"{message.en} {FACE_GIVE_UP.en}",
                              can_retry=False, offer_attendant=message.offer_attendant)
        failed = _go(
            state, Screen.ERROR, now, message=message, retry_screen=screen,
            print_failed=event.print_failed, face_failures=face_failures,
        )
        stop: list[Effect] = [DisarmCardReader()] if screen is Screen.PLACE_CARD else []
        if screen is Screen.FACE:
            stop = [StopFaceCheck()]
        return failed, stop
    if isinstance(event, Retry) and screen in (Screen.ERROR, Screen.PRINT_KEPT) \
            and state.message is not None:
        if not state.message.can_retry:
            return state, []
        cleared = replace(state, message=None)
        if state.retry_screen is Screen.PRINTING:
            return step(replace(cleared, screen=Screen.RESULT), RequestPrint(), now, timeouts)
        if state.retry_screen is Screen.PLACE_CARD:
            cleared = replace(cleared, person=None)
        return _next_step_for(cleared, now)
    return state, []


def _home(state: SessionState, now: float) -> Transition:
    """Home is the category grid of the same session: the card holder stays signed in, with
    their language and text size; only Finish and the idle clock wipe. Whatever step was
    under way (card reader, camera, a query's answer) is dropped."""
    effects: list[Effect] = []
    if state.screen is Screen.PLACE_CARD:
        effects.append(DisarmCardReader())
    if state.screen is Screen.FACE:
        effects.append(StopFaceCheck())
    home = replace(
        state, screen=Screen.HOME, last_activity=now, history=(), category=None, service=None,
        inputs={}, inputs_submitted=False, result=None, message=None, retry_screen=None,
        verification_code="", print_failed=False, slip_printed=False, collecting=False,
    )
    return home, effects


def _back(state: SessionState, now: float) -> Transition:
    """Back leaves the current step; it never re-runs a query or re-prints."""
    if state.screen in WAITING:
        return state, []
    effects: list[Effect] = []
    if state.screen is Screen.PLACE_CARD:
        effects.append(DisarmCardReader())
    if state.screen is Screen.FACE:
        effects.append(StopFaceCheck())
    history = list(state.history)
    target = Screen.HOME
    # Steps of a service collapse: back from any of them returns to the list it came from.
    service_steps = {Screen.PLACE_CARD, Screen.FACE, Screen.INPUTS, Screen.QUERYING,
                     Screen.RESULT, Screen.PRINTING, Screen.PRINT_KEPT, Screen.COLLECTING,
                     Screen.ERROR, Screen.DONE}
    while history:
        candidate = history.pop()
        if candidate not in service_steps and candidate is not state.screen:
            target = candidate
            break
    if target is Screen.SERVICE_LIST and state.category is None:
        target = Screen.HOME
    back = replace(
        state, screen=target, history=tuple(history), last_activity=now, message=None,
        inputs={}, inputs_submitted=False, result=None, collecting=False,
    )
    return back, effects


def retryable(message: Message) -> Message:
    return replace(message, can_retry=True)

"""Runs the pure session flow against real ports: devices, back-ends, certificates, audit.

The runner owns the one live `SessionState`. Events come from the UI thread, device worker
threads and the worker pool; `dispatch` serialises them under a lock, runs `flow.step`, then
starts the effects (slow ones on the pool) and tells observers. A Qt view re-emits the observer
call as a signal so widgets change only on the GUI thread; a headless test just waits.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from kiosk import flow
from kiosk.flow import Message
from services_catalog.errors import AdapterError, BackendUnavailable, RecordNotFound
from services_catalog.model import AuthenticatedPerson, QueryResult, Service

log = logging.getLogger(__name__)

CardCallback = Callable[[AuthenticatedPerson | None, Message | None], None]
FaceCallback = Callable[[bool, Message | None], None]


class CardPort(Protocol):
    """The ID-card reader as the session sees it: armed only during the card step."""

    def arm(self, on_card: CardCallback, *, face_follows: bool = False) -> None: ...

    def disarm(self) -> None: ...

    def session_ended(self) -> None:
        """A card still on the reader now belongs to the citizen who just left: the next
        session must not read it."""
        ...


class FacePort(Protocol):
    """Face capture + liveness + verification against the card holder."""

    def start(self, person: AuthenticatedPerson, on_done: FaceCallback,
              time_factor: float = 1.0) -> None: ...

    def stop(self) -> None: ...


class QueryPort(Protocol):
    def query(
        self, service: Service, person: AuthenticatedPerson, inputs: Mapping[str, str]
    ) -> QueryResult: ...


class CertificatePort(Protocol):
    def issue_and_print(
        self, service: Service, person: AuthenticatedPerson, result: QueryResult,
        request_key: str,
    ) -> str:
        """Issue (at most once per request key), seal, record and print; return the
        verification code. Raises PrintFailure."""
        ...

    def forget_session(self) -> None:
        """Drop anything kept for the session that just ended (e.g. a job awaiting retry)."""
        ...

    def collect(self, person: AuthenticatedPerson) -> tuple[str, ...]:
        """Print the certificates kept for this card holder; return their verification codes.
        Raises NothingToCollect when none waits, PrintFailure when one did not print."""
        ...


class AuditPort(Protocol):
    def record(
        self,
        action: str,
        outcome: str,
        person: AuthenticatedPerson | None = None,
        detail: str = "",
        actor: str = "citizen",
    ) -> None: ...


class VoicePort(Protocol):
    def speak(self, prompt: str, language: str) -> None: ...


class PrintFailure(Exception):
    """Printing did not complete; the message tells the citizen what happens to the job.

    When a certificate was issued and is kept for later, `verification_code` is its code and
    `slip_printed` says whether a claim slip with that code came out of the receipt printer."""

    def __init__(
        self, message: Message, verification_code: str = "", slip_printed: bool = False
    ) -> None:
        super().__init__(message.en)
        self.message = message
        self.verification_code = verification_code
        self.slip_printed = slip_printed


class NothingToCollect(Exception):
    """No certificate is kept for this card holder (unprinted ones expire after a while)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


# An audit line or a record that cannot be written stops the session: the terminal does not
# act on a citizen's behalf without its record (fail closed).
STORAGE_FAILED = Message(
    "本机暂时无法完成您的业务，请到其他自助终端或人工窗口办理。",
    "This terminal cannot complete your request now. Please use another terminal or a "
    "staffed counter.",
    can_retry=False,
    offer_attendant=True,
)


def message_for(exc: BaseException) -> Message:
    """Every failure becomes plain words. Unknown errors never show their text to a citizen."""
    if isinstance(exc, PrintFailure):
        return exc.message
    zh = getattr(exc, "message_zh", None)
    en = getattr(exc, "message_en", None)
    if isinstance(zh, str) and isinstance(en, str):
        retry = isinstance(exc, BackendUnavailable) or bool(getattr(exc, "retryable", False))
        return Message(zh, en, can_retry=retry, offer_attendant=not retry)
    return Message(
        "系统出现问题，请稍后再试或联系工作人员。",
        "Something went wrong. Please try again later or ask staff for help.",
        can_retry=True,
        offer_attendant=True,
    )


class SessionRunner:
    def __init__(
        self,
        *,
        card: CardPort | None = None,
        face: FacePort | None = None,
        query: QueryPort | None = None,
        certificates: CertificatePort | None = None,
        audit: AuditPort | None = None,
        voice: VoicePort | None = None,
        timeouts: flow.Timeouts | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = datetime.now,
        staff_absent: Callable[[datetime], Message | None] | None = None,
        language: str = "zh",
        workers: int = 2,
        serving: bool = True,
    ) -> None:
        """`serving=False` starts on an attract screen that does not react yet: the terminal
        says it can serve (DevicesChanged) once its start-up checks have passed."""
        self._voice = voice
        self.timeouts = timeouts or flow.Timeouts()
        self._clock = clock
        self.wall_clock = wall_clock  # opening hours are wall-clock times
        self._staff_absent = staff_absent
        self._lock = threading.RLock()
        self._state = flow.SessionState(language=language, devices_ok=serving)
        self._observers: list[Callable[[flow.SessionState], None]] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="session")
        self._changed = threading.Condition(self._lock)
        self._bound = threading.Event()
        self._pending: list[tuple[flow.Effect, flow.SessionState]] = []
        self._session_end_hooks: list[Callable[[str], object]] = []
        self._storage_failure_hooks: list[Callable[[], None]] = []
        if card and face and query and certificates and audit:
            self.bind(card=card, face=face, query=query, certificates=certificates, audit=audit)

    def bind(
        self,
        *,
        card: CardPort,
        face: FacePort,
        query: QueryPort,
        certificates: CertificatePort,
        audit: AuditPort,
    ) -> None:
        """Connect the ports. The UI can show the attract screen before devices and the
        certificate engine are up; the first effect that needs a port waits for this."""
        with self._lock:
            self._card = card
            self._face = face
            self._query = query
            self._certificates = certificates
            self._audit = audit
            self._bound.set()
            pending, self._pending = self._pending, []
            # What the citizen asked for while we were starting.
            failed = [f for f in (self._start_isolated(e, st) for e, st in pending) if f]
        for failure in failed:
            self.dispatch(failure)

    def on_session_end(self, hook: Callable[[str], object]) -> Callable[[], None]:
        """Run `hook(reason)` on the worker pool after each session's end is audited (the
        store anchors the audit chain's head there). Returns what removes it again (a start
        that fails halfway removes its hooks, so retries do not pile them up)."""
        self._session_end_hooks.append(hook)
        return lambda: _discard(self._session_end_hooks, hook)

    def on_storage_failure(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run `hook()` when a record of the session could not be written (the terminal then
        takes itself out of service until the store writes again). Returns its remover."""
        self._storage_failure_hooks.append(hook)
        return lambda: _discard(self._storage_failure_hooks, hook)

    def _storage_failed(self) -> None:
        for hook in list(self._storage_failure_hooks):
            try:
                hook()
            except Exception:
                log.exception("storage-failure hook failed")

    def attach_voice(self, voice: VoicePort | None) -> None:
        """The UI's voice arrives after the runner is built (it needs the GUI thread)."""
        self._voice = voice

    # ---- observing ----------------------------------------------------------------------
    @property
    def state(self) -> flow.SessionState:
        with self._lock:
            return self._state

    def now(self) -> float:
        return self._clock()

    def subscribe(self, observer: Callable[[flow.SessionState], None]) -> None:
        with self._lock:
            self._observers.append(observer)

    def wait_for(
        self, predicate: Callable[[flow.SessionState], bool], timeout_s: float = 10.0
    ) -> flow.SessionState:
        """Block until the state satisfies `predicate` (for headless runs and tests)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate(self._state):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"session still at {self._state.screen.name}")
                self._changed.wait(left)
            return self._state

    # ---- driving ------------------------------------------------------------------------
    def dispatch(self, event: flow.Event) -> flow.SessionState:
        if isinstance(event, flow.ChooseService) and not event.opens_at:
            # A back-end closed at night is said at once, before the citizen shows a card.
            from services_catalog.catalog import closed_until

            event = replace(event, opens_at=closed_until(event.service, self.wall_clock()))
        if isinstance(event, flow.StepFailed) and event.message.offer_attendant:
            event = replace(event, message=self._without_absent_staff(event.message))
        with self._lock:
            before = self._state
            after, effects = flow.step(before, event, self._clock(), self.timeouts)
            if after.message is not None and after.message is not before.message and \
                    after.message.offer_attendant:
                # The flow's own messages (the waiting net, the face check's last try) too.
                after = replace(after, message=self._without_absent_staff(after.message))
            self._state = after
            failed = [f for f in (self._start_isolated(e, after) for e in effects) if f]
            if after is not before:
                self._changed.notify_all()
                observers = list(self._observers)
            else:
                observers = []
        self._notify(observers, after)
        for failure in failed:  # a device that refused its command is a failed step
            self.dispatch(failure)
        return self.state if failed else after

    def _notify(self, observers: list[Callable[[flow.SessionState], None]],
                state: flow.SessionState) -> None:
        for observer in observers:
            try:
                observer(state)
            except Exception:  # one broken view must not keep the others stale
                log.exception("a session observer failed")

    def _without_absent_staff(self, message: Message) -> Message:
        """At night nobody answers "call staff": say instead what the citizen can do."""
        absent = self._staff_absent(self.wall_clock()) if self._staff_absent else None
        if absent is None:
            return message
        return Message(f"{message.zh}{absent.zh}", f"{message.en} {absent.en}",
                       can_retry=message.can_retry, offer_attendant=False)

    def tick(self) -> None:
        self.dispatch(flow.Tick())

    def shutdown(self) -> None:
        self.dispatch(flow.Finish())
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ---- effects ------------------------------------------------------------------------
    def _start_isolated(self, effect: flow.Effect, state: flow.SessionState) -> flow.Event | None:
        """Start one effect; a port that raises never keeps the others from running.

        A failed start of a step (arming the reader, starting the face check or a worker)
        comes back as that step's failure, so the citizen is told and can try again; a failed
        clean-up (disarm, stop, session end) is logged, and the rest of the clean-up runs.
        """
        try:
            self._start(effect, state)
        except Exception as exc:
            log.exception("effect %s failed", type(effect).__name__)
            token = getattr(effect, "token", "")
            if token:
                return flow.StepFailed(token, message_for(exc))
        return None

    def _start(self, effect: flow.Effect, state: flow.SessionState) -> None:
        if isinstance(effect, flow.Speak):
            if self._voice is not None:
                self._voice.speak(effect.prompt, state.language)
            return
        if not self._bound.is_set():
            # Never wait here: this runs under the lock, often on the GUI thread. The effect
            # runs when the ports are bound (see bind).
            self._pending.append((effect, state))
            return
        if isinstance(effect, flow.ArmCardReader):
            self._card.arm(functools.partial(self._on_card, effect.token),
                           face_follows=effect.face_follows)
        elif isinstance(effect, flow.DisarmCardReader):
            self._card.disarm()
        elif isinstance(effect, flow.StartFaceCheck):
            token = effect.token
            self._face.start(effect.person, lambda ok, msg: self._on_face(token, ok, msg),
                             effect.time_factor)
        elif isinstance(effect, flow.StopFaceCheck):
            self._face.stop()
        elif isinstance(effect, flow.RunQuery):
            self._pool.submit(self._run_query, effect)
        elif isinstance(effect, flow.IssueAndPrint):
            self._pool.submit(self._run_print, effect)
        elif isinstance(effect, flow.CollectKept):
            self._pool.submit(self._run_collect, effect)
        elif isinstance(effect, flow.SessionEnded):
            # Each part on its own: the left-card guard must hold whatever else failed.
            steps = (self._certificates.forget_session, self._card.session_ended,
                     lambda: self._pool.submit(self._end_session, effect.reason))
            errors = []
            for part in steps:
                try:
                    part()
                except Exception as exc:
                    errors.append(exc)
            if errors:
                raise errors[0]

    def _end_session(self, reason: str) -> None:
        self._record("session_end", reason, None)
        for hook in list(self._session_end_hooks):
            try:
                hook(reason)
            except Exception:
                log.exception("session-end hook failed")

    def _record(
        self, action: str, outcome: str, person: AuthenticatedPerson | None, detail: str = ""
    ) -> bool:
        """Audit; False when the line could not be written (the caller then stops the
        session with STORAGE_FAILED rather than go on unrecorded)."""
        try:
            self._audit.record(action, outcome, person, detail)
        except Exception:
            log.exception("audit record %s/%s could not be written", action, outcome)
            self._storage_failed()
            return False
        return True

    def _on_card(
        self, token: str, person: AuthenticatedPerson | None, message: Message | None
    ) -> None:
        if person is not None:
            if not self._record("card_read", "ok", person):
                self.dispatch(flow.StepFailed(token, STORAGE_FAILED))
                return
            self.dispatch(flow.CardAccepted(token, person))
        else:
            # The port's message says whether trying again can help (an expired card: no).
            self.dispatch(flow.StepFailed(token, message or message_for(RuntimeError())))

    def _on_face(self, token: str, ok: bool, message: Message | None) -> None:
        person = self.state.person if self.state.token == token else None
        if not self._record("face_check", "match" if ok else "failed", person):
            self.dispatch(flow.StepFailed(token, STORAGE_FAILED))
            return
        if ok:
            self.dispatch(flow.FaceVerified(token))
        else:
            self.dispatch(flow.StepFailed(token, message or message_for(RuntimeError())))

    def _run_query(self, effect: flow.RunQuery) -> None:
        try:
            result = self._query.query(effect.service, effect.person, effect.inputs)
        except RecordNotFound:
            # The back-end does not know this person (e.g. a residence-permit holder with no
            # record there): an answer like any other, not a failure of the terminal.
            result = QueryResult(effect.service.id, record_found=False)
        except AdapterError as exc:
            log.info("query %s failed: %s", effect.service.id, type(exc).__name__)
            recorded = self._record("query", type(exc).__name__, effect.person,
                                    effect.service.id)
            self.dispatch(flow.StepFailed(effect.token,
                                          message_for(exc) if recorded else STORAGE_FAILED))
            return
        except Exception as exc:  # a bug must not strand the citizen on a spinner
            log.exception("query %s crashed", effect.service.id)
            self.dispatch(flow.StepFailed(effect.token, message_for(exc)))
            return
        outcome = "ok" if result.record_found else "no_record"
        if not self._record("query", outcome, effect.person, effect.service.id):
            self.dispatch(flow.StepFailed(effect.token, STORAGE_FAILED))  # the answer is dropped
            return
        self.dispatch(flow.QueryAnswered(effect.token, result))

    def _run_print(self, effect: flow.IssueAndPrint) -> None:
        """The desk audits the certificate and each print outcome with its records."""
        try:
            code = self._certificates.issue_and_print(
                effect.service, effect.person, effect.result, effect.request_key
            )
        except PrintFailure as exc:
            if exc.message is STORAGE_FAILED:
                self._storage_failed()
            self.dispatch(flow.StepFailed(
                effect.token, exc.message, print_failed=True,
                verification_code=exc.verification_code, slip_printed=exc.slip_printed,
            ))
            return
        except Exception as exc:
            log.exception("certificate for %s failed", effect.service.id)
            self.dispatch(flow.StepFailed(effect.token, message_for(exc), print_failed=True))
            return
        self.dispatch(flow.Printed(effect.token, code))

    def _run_collect(self, effect: flow.CollectKept) -> None:
        """The desk audits each job it prints; the outcome of the whole visit is one line."""
        try:
            codes = self._certificates.collect(effect.person)
        except NothingToCollect as exc:
            recorded = self._record("collect", "nothing_kept", effect.person)
            self.dispatch(flow.StepFailed(effect.token,
                                          exc.message if recorded else STORAGE_FAILED))
            return
        except PrintFailure as exc:
            self._record("collect", "failed", effect.person)
            self.dispatch(flow.StepFailed(effect.token, exc.message, print_failed=True))
            return
        except Exception as exc:
            log.exception("collecting kept certificates failed")
            self.dispatch(flow.StepFailed(effect.token, message_for(exc), print_failed=True))
            return
        self._record("collect", "ok", effect.person, f"{len(codes)} printed")
        self.dispatch(flow.Collected(effect.token, tuple(codes)))


def _discard(hooks: list[Any], hook: Any) -> None:
    if hook in hooks:
        hooks.remove(hook)

"""The vocabulary of the session flow: what the citizen is told, the events that drive the
flow, and the effects it asks the runner to carry out. Plain frozen data, no behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services_catalog.model import AuthenticatedPerson, Category, QueryResult, Service


@dataclass(frozen=True)
class Message:
    """What to tell the citizen: plain words in both languages, and what they can do next."""

    zh: str
    en: str
    can_retry: bool = False
    offer_attendant: bool = False

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


# ---- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class Touch(Event):
    """Any touch: keeps the session alive; on the attract screen it opens the home screen."""


@dataclass(frozen=True)
class GoHome(Event):
    """Back to the categories. The session (card holder, language, text size) stays."""


@dataclass(frozen=True)
class GoBack(Event):
    pass


@dataclass(frozen=True)
class Finish(Event):
    """The citizen is done: wipe everything and return to the attract screen."""


@dataclass(frozen=True)
class SetLanguage(Event):
    language: str


@dataclass(frozen=True)
class ToggleElderly(Event):
    pass


@dataclass(frozen=True)
class TurnVoiceOn(Event):
    """The citizen asked for a screen to be read aloud: guide by voice for the rest of the
    session."""


@dataclass(frozen=True)
class SetHelpOpen(Event):
    """Help opened or closed: the idle clock stands still while the citizen reads it."""

    open: bool


@dataclass(frozen=True)
class ChooseCategory(Event):
    category: Category


@dataclass(frozen=True)
class ChooseService(Event):
    service: Service
    opens_at: str = ""  # HH:MM when the back-end is closed now: say so before asking for a card


@dataclass(frozen=True)
class AnotherService(Event):
    """From the done or result screen: back to the categories, keeping the card holder (no
    second card or face check within the same session)."""


@dataclass(frozen=True)
class StartCollect(Event):
    """"领取证明 / Collect my certificate": print the certificates kept for this card holder
    after an earlier print failed (card, then face check, then print)."""


@dataclass(frozen=True)
class ShowAllServices(Event):
    """"服务清单 / All services": every service this terminal offers, with agency, hours and
    phone (a tap on one chooses it)."""


@dataclass(frozen=True)
class SubmitInputs(Event):
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class Retry(Event):
    pass


@dataclass(frozen=True)
class RequestPrint(Event):
    pass


@dataclass(frozen=True)
class Tick(Event):
    """Time passes (the runner sends one a second)."""


@dataclass(frozen=True)
class DevicesChanged(Event):
    required_ok: bool


@dataclass(frozen=True)
class EffectResult(Event):
    """Base of events that report an effect; ignored unless `token` is the live session's."""

    token: str


@dataclass(frozen=True)
class CardAccepted(EffectResult):
    person: AuthenticatedPerson


@dataclass(frozen=True)
class FaceVerified(EffectResult):
    pass


@dataclass(frozen=True)
class QueryAnswered(EffectResult):
    result: QueryResult


@dataclass(frozen=True)
class Printed(EffectResult):
    verification_code: str


@dataclass(frozen=True)
class Collected(EffectResult):
    """The kept certificates of the card holder have printed (their verification codes)."""

    verification_codes: tuple[str, ...]


@dataclass(frozen=True)
class StepFailed(EffectResult):
    """A card read, face check, query or print failed; `message` is for the citizen.

    A failed print that left a kept certificate carries its `verification_code` (shown large
    so the citizen leaves with it) and whether a claim slip came out of the receipt printer."""

    message: Message
    print_failed: bool = False
    verification_code: str = ""
    slip_printed: bool = False


# ---- effects --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    pass


@dataclass(frozen=True)
class ArmCardReader(Effect):
    token: str
    # A face check against the card follows: a card left on the reader may be read, since
    # only its holder gets past the camera (the same citizen coming back to collect).
    face_follows: bool = False


@dataclass(frozen=True)
class DisarmCardReader(Effect):
    pass


@dataclass(frozen=True)
class StartFaceCheck(Effect):
    token: str
    person: AuthenticatedPerson
    time_factor: float = 1.0  # the capture's own time limits, multiplied (large-text mode)


@dataclass(frozen=True)
class StopFaceCheck(Effect):
    pass


@dataclass(frozen=True)
class RunQuery(Effect):
    token: str
    service: Service
    person: AuthenticatedPerson
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class IssueAndPrint(Effect):
    token: str
    service: Service
    person: AuthenticatedPerson
    result: QueryResult
    # One per answer the citizen asked to print: a retry of it never issues a second
    # certificate, and a second run while the first still runs is refused.
    request_key: str = ""


@dataclass(frozen=True)
class CollectKept(Effect):
    """Print every certificate kept for this (card and face checked) holder."""

    token: str
    person: AuthenticatedPerson


@dataclass(frozen=True)
class SessionEnded(Effect):
    """The session was wiped; `reason` is "finish", "home", "idle" or "devices"."""

    reason: str


@dataclass(frozen=True)
class Speak(Effect):
    prompt: str  # a key of the voice prompt table

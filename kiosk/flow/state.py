"""The citizen session's state: the screens, the idle limits and everything the flow knows
about one session. Plain frozen data and small pure questions about it; the moves between
states are in `kiosk.flow.transitions`."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiosk.flow.events import Message
from services_catalog.model import AuthenticatedPerson, Category, QueryResult, Service


class Screen(enum.Enum):
    ATTRACT = "attract"
    HOME = "home"  # the category grid
    SERVICE_LIST = "service_list"
    ALL_SERVICES = "all_services"  # the public list: every enabled service, agency, hours
    PLACE_CARD = "place_card"
    FACE = "face"
    INPUTS = "inputs"
    QUERYING = "querying"
    RESULT = "result"
    PRINTING = "printing"
    PRINT_KEPT = "print_kept"  # the print failed: the code, the slip, how to collect later
    COLLECTING = "collecting"  # printing the certificates kept for this card holder
    DONE = "done"
    ERROR = "error"
    OUT_OF_SERVICE = "out_of_service"


# Screens where the citizen waits on the machine: the idle clock does not run there.
WAITING = frozenset({Screen.QUERYING, Screen.PRINTING, Screen.COLLECTING})
NO_SESSION = frozenset({Screen.ATTRACT, Screen.OUT_OF_SERVICE})
# The face check has time limits of its own (kiosk.ports); a "need more time?" prompt there
# would cover the camera preview during the blink challenge.
OWN_LIMIT = frozenset({Screen.FACE})
# Help is read slowly, but a citizen who opens it and walks away must still be wiped.
HELP_FACTOR = 2.0


@dataclass(frozen=True)
class Timeouts:
    idle_s: float = 60.0
    elderly_idle_s: float = 120.0  # at least ELDERLY_FACTOR x idle_s, whatever is configured
    result_s: float = 90.0  # a result is read slowly: more time before the wipe
    done_s: float = 15.0  # the "take your certificate" screen returns to attract by itself
    waiting_s: float = 150.0  # a query or print that has not answered by then has failed
    # "Need more time?" comes this long before the wipe: WCAG 2.2.1 asks for at least 20 s to
    # answer a time-out warning; 30 s leaves room to read it first.
    warning_s: float = 30.0


# `print_in_flight` of a collect the waiting net gave up on (a print's is its request key).
COLLECT_IN_FLIGHT = "collect"

# Large-text mode is for citizens who read and move slowly: every idle limit and the face
# check's own time limits are this many times longer.
ELDERLY_FACTOR = 2.0


@dataclass(frozen=True)
class SessionState:
    screen: Screen = Screen.ATTRACT
    token: str = ""  # one per citizen session; "" when nobody is using the terminal
    language: str = "zh"
    elderly: bool = False
    last_activity: float = 0.0
    category: Category | None = None
    service: Service | None = None
    person: AuthenticatedPerson | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    inputs_submitted: bool = False
    result: QueryResult | None = None
    message: Message | None = None
    retry_screen: Screen | None = None  # where "try again" on the error screen leads
    verification_code: str = ""  # several, comma-separated, after collecting kept ones
    print_failed: bool = False
    slip_printed: bool = False  # a claim slip came out with the kept certificate's code
    collecting: bool = False  # this session collects kept certificates (no service chosen)
    face_failures: int = 0
    history: tuple[Screen, ...] = ()
    devices_ok: bool = True
    voice: bool = False  # the citizen asked for voice guidance (kept for the session)
    help_open: bool = False  # Help is open: the idle limit is HELP_FACTOR times longer
    answers: int = 0  # query answers in this session: numbers the print requests
    # The request key of a print the waiting net gave up on while its issue-and-print still
    # runs: that request may not start again, and its late answer still counts.
    print_in_flight: str = ""
    print_request: str = ""  # the request key of the print on its way

    def __repr__(self) -> str:  # never print the person's data
        return f"SessionState(screen={self.screen.name}, token={self.token[:4]}…)"

    def idle_limit(self, timeouts: Timeouts) -> float | None:
        if self.screen in NO_SESSION or self.screen in WAITING or self.screen in OWN_LIMIT:
            return None
        if self.screen is Screen.DONE:
            limit = timeouts.done_s
        elif self.screen in (Screen.RESULT, Screen.PRINT_KEPT):  # read, or a code noted down
            limit = max(timeouts.idle_s, timeouts.result_s)
        else:
            limit = timeouts.idle_s
        if self.elderly:
            floor = timeouts.elderly_idle_s if self.screen is not Screen.DONE else 0.0
            limit = max(limit * ELDERLY_FACTOR, floor)
        if self.help_open:
            limit *= HELP_FACTOR
        return limit

    def warning_due(self, now: float, timeouts: Timeouts) -> bool:
        """True in the last `warning_s` before the idle wipe (the "need more time?" prompt).
        Never on the done screen, which is meant to return by itself."""
        left = self.seconds_left(now, timeouts)
        return left is not None and self.screen is not Screen.DONE and \
            left <= timeouts.warning_s

    def seconds_left(self, now: float, timeouts: Timeouts) -> float | None:
        limit = self.idle_limit(timeouts)
        return None if limit is None else max(0.0, limit - (now - self.last_activity))


def new_session(language: str, elderly: bool, now: float, devices_ok: bool,
                voice: bool = False) -> SessionState:
    return SessionState(
        screen=Screen.HOME,
        token=secrets.token_hex(8),
        language=language,
        elderly=elderly,
        last_activity=now,
        devices_ok=devices_ok,
        voice=voice,
    )


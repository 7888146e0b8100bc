"""Adapters from the real devices and back-ends to the small ports the session runner uses."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from devices.idcard.card import CardData
from devices.idcard.reader import CardEvent, CardRead, IdCardReader, ReaderFault
from devices.status import CardPresence, DeviceStatus
from kiosk.flow import Message
from kiosk.session import CardCallback, FaceCallback
from services_catalog.model import AuthenticatedPerson, QueryResult, Service

log = logging.getLogger(__name__)

# No Retry (the same card would be read again) and no call for staff (there is nothing they
# could do here): a plain sentence, then Home or Finish.
CARD_EXPIRED = Message(
    "您的身份证已过有效期，本机不能使用。请带有效证件再来，或到人工窗口办理。",
    "Your ID card has expired, so it cannot be used here. Please come back with a valid card, "
    "or visit a staffed counter.",
)


def person_from_card(card: CardData, today: datetime) -> AuthenticatedPerson | Message:
    """A readable card becomes the session's person; an expired one a plain message.

    Residence permits and foreign permanent resident cards are accepted like resident cards:
    whether a back-end knows their holder is the back-end's answer, not the terminal's.
    """
    if card.valid_to is not None and card.valid_to < today.date():  # None: long-term (长期)
        return CARD_EXPIRED
    # An older foreign permanent resident card may carry no Chinese name: use the English one.
    return AuthenticatedPerson(id_number=card.id_number, name=card.display_name)


class ReaderCardPort:
    """Arms the ID-card reader for the card step only: a card lying on the reader at any other
    time is neither read nor remembered.

    A card left on the reader when a session ends belongs to the citizen who just left, and is
    never given to the next session. It is told apart by identity, not by timing alone: the
    next card step reads what lies there and compares it (a keyed digest, kept only while the
    card lies there) with the card that was left; the same card is ignored and looked at again
    every `recheck_s`, another card is the new citizen's. So a quick swap (lifted and another
    placed faster than the reader can notice the slot empty) serves the next citizen, and
    lifting the card clears the guard at once. A left card that was not the one read in the
    session (none was read, or that one was lifted) is unknown: the first card read at the
    next card step is taken to be it, and is served only after a lift.
    """

    def __init__(
        self,
        reader: IdCardReader,
        *,
        clock: Callable[[], datetime] = datetime.now,
        on_arm: Callable[[], None] | None = None,
        on_disarm: Callable[[], None] | None = None,
        recheck_s: float = 1.0,
    ) -> None:
        self._reader = reader
        self._clock = clock
        self._callback: CardCallback | None = None
        self._lock = threading.Lock()
        self._on_arm = on_arm
        self._on_disarm = on_disarm
        self._recheck_s = recheck_s
        self._key = secrets.token_bytes(32)  # digests mean nothing outside this process
        self._session_card: bytes | None = None  # digest of the card read in this session
        self._left_behind = False  # a previous citizen's card still lies on the reader
        self._left_card: bytes | None = None  # its digest; None until it has been read
        reader.disarm()
        reader.subscribe(self._on_event)
        reader.status_publisher.subscribe(self._on_status)

    def _card_present(self) -> bool:
        block = self._reader.status.reader
        return block is not None and block.card is CardPresence.PRESENT

    def _digest(self, card: CardData) -> bytes:
        return hmac.digest(self._key, card.id_number.encode(), "sha256")

    @property
    def guarding(self) -> bool:
        """True while a previous citizen's card is believed to lie on the reader."""
        with self._lock:
            return self._left_behind

    def arm(self, on_card: CardCallback, *, face_follows: bool = False) -> None:
        """Wait for a card. With `face_follows` a card left on the reader is read too: the
        face check that comes next lets only its holder on (who came back to collect)."""
        with self._lock:
            self._callback = on_card
            if self._left_behind and (face_follows or not self._card_present()):
                self._left_behind, self._left_card = False, None
        # Armed even when a card was left: what lies there is read once, to be compared.
        self._reader.arm()
        if self._on_arm is not None:
            self._on_arm()

    def disarm(self) -> None:
        with self._lock:
            self._callback = None
        self._reader.disarm()
        if self._on_disarm is not None:
            self._on_disarm()

    def session_ended(self) -> None:
        with self._lock:
            self._left_behind = self._card_present()
            self._left_card = self._session_card if self._left_behind else None
            self._session_card = None
        if self._left_behind:
            log.info("a card was left on the reader; it is not read for the next session")

    def _on_status(self, _status: DeviceStatus) -> None:
        with self._lock:
            if self._card_present():
                return
            # The card read in this session is gone: a card lying there at its end is one
            # nobody has read, not that one.
            self._session_card = None
            if self._left_behind:
                self._left_behind, self._left_card = False, None  # lifted: the guard ends

    def _on_event(self, event: CardEvent) -> None:
        recheck = False
        with self._lock:
            callback = self._callback
            if callback is not None and self._left_behind:
                if isinstance(event, CardRead):
                    digest = self._digest(event.card)
                    if self._left_card is None:
                        self._left_card = digest  # read for the first time since it was left
                    if hmac.compare_digest(digest, self._left_card):
                        callback, recheck = None, True  # still the card that was left
                    else:
                        self._left_behind, self._left_card = False, None  # swapped
                elif isinstance(event, ReaderFault):
                    callback, recheck = None, True  # perhaps the left card: not this citizen's
            if callback is not None and isinstance(event, CardRead):
                self._session_card = self._digest(event.card)
        if recheck:
            self._reader.reread_after(self._recheck_s)
        if callback is None:
            return
        if isinstance(event, CardRead):
            outcome = person_from_card(event.card, self._clock())
            if isinstance(outcome, Message):
                callback(None, outcome)
            else:
                callback(outcome, None)
        elif isinstance(event, ReaderFault):
            error = event.error
            callback(None, Message(error.message_zh, error.message_en, can_retry=True,
                                   offer_attendant=True))


class GatewayQueryPort:
    def __init__(self, gateway: Any, clock: Callable[[], datetime] = datetime.now) -> None:
        self._gateway = gateway
        self._clock = clock

    def query(
        self, service: Service, person: AuthenticatedPerson, inputs: Mapping[str, str]
    ) -> QueryResult:
        result: QueryResult = self._gateway.query(service, person, inputs, self._clock())
        return result


FACE_NO_MATCH = Message(
    "人脸与身份证照片不一致，请本人办理，或联系工作人员。",
    "Your face does not match the ID card. The card holder must be present; ask staff for help.",
    can_retry=True,
    offer_attendant=True,
)


class CameraFacePort:
    """Capture (quality gates + liveness) on the camera, then ask the face verifier whether the
    live face is the card holder's. The face image lives only inside this call."""

    def __init__(
        self,
        camera: Any,
        detector: Any,
        verifier: Any,
        *,
        settings: Any = None,
    ) -> None:
        self._camera = camera
        self._detector = detector
        self._verifier = verifier
        self._settings = settings
        self._runner: Any = None
        self._lock = threading.Lock()
        self._latest: Any = None

    def latest_preview(self) -> Any:
        """The newest capture update (frame, instruction, oval guide, countdown) for the face
        screen to poll; None when no capture runs."""
        return self._latest

    def _emit(self, update: Any) -> None:
        self._latest = update

    def start(self, person: AuthenticatedPerson, on_done: FaceCallback,
              time_factor: float = 1.0) -> None:
        from devices.camera.session import (
            CaptureRunner,
            CaptureSettings,
            FaceCaptureSession,
        )

        settings = self._settings or CaptureSettings()
        if time_factor != 1.0:  # large-text mode: slower citizens get longer to hold still
            settings = replace(
                settings,
                attempt_timeout_s=settings.attempt_timeout_s * time_factor,
                capture_timeout_s=settings.capture_timeout_s * time_factor,
                liveness=replace(settings.liveness,
                                 timeout_s=settings.liveness.timeout_s * time_factor),
            )
        status = self._camera.status
        resolution = status.capabilities.get("resolution", "640x480")
        width, height = (int(v) for v in str(resolution).split("x"))
        session = FaceCaptureSession(self._detector, settings, width=width, height=height)
        runner = CaptureRunner(self._camera, session, self._emit)
        with self._lock:
            self.stop()
            self._runner = runner
        runner.start()
        threading.Thread(
            target=self._finish, args=(runner, person, on_done), name="face-verify", daemon=True
        ).start()

    def _finish(self, runner: Any, person: AuthenticatedPerson, on_done: FaceCallback) -> None:
        from devices.status import CommandCancelled

        try:
            captured = runner.result(timeout=None)
        except CommandCancelled:
            return
        except Exception as exc:  # the capture's own typed errors carry plain words
            on_done(False, _message_of(exc))
            return
        finally:
            with self._lock:
                if self._runner is runner:
                    self._runner = None
                    self._latest = None
        try:
            match = self._verifier.verify(person.id_number, captured.jpeg)
        except Exception as exc:
            on_done(False, _message_of(exc))
            return
        finally:
            del captured  # the face image goes no further than this call
        on_done(True, None) if match.matched else on_done(False, FACE_NO_MATCH)

    def stop(self) -> None:
        runner = self._runner
        if runner is not None:
            runner.cancel()
        self._latest = None  # the preview frame is a face: drop it with the session


def _message_of(exc: BaseException) -> Message:
    from kiosk.session import message_for

    message = message_for(exc)
    return Message(message.zh, message.en, can_retry=True, offer_attendant=True)


class ReceiptSlipPort:
    """The optional receipt printer as the certificate desk sees it: a courtesy slip with the
    service, the time and the verification code (never the holder)."""

    def __init__(self, printer: Any, *, terminal_id: str, verify_url: str,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._printer = printer
        self._terminal_id = terminal_id
        self._verify_url = verify_url
        self._clock = clock

    def print_slip(self, service_name: str, verification_code: str) -> None:
        from devices.printer.receipt import ReceiptSlip

        self._printer.print_slip(ReceiptSlip(
            service_zh=service_name, issued_at=self._clock(),
            verification_code=verification_code, terminal_id=self._terminal_id,
            verify_url=self._verify_url,
        ))

    def print_claim_slip(self, service_name: str, verification_code: str, days: int) -> None:
        """A certificate did not print: the code, and how to collect it with the same card."""
        from devices.printer.receipt import ReceiptSlip

        self._printer.print_slip(ReceiptSlip(
            service_zh=service_name, issued_at=self._clock(),
            verification_code=verification_code, terminal_id=self._terminal_id,
            verify_url=self._verify_url, notes=(
                "-" * 32,
                f"证明未能打印，已保存 {days} 天。请在首页点“领取证明”，刷同一张身份证领取，"
                "或请工作人员凭验证码打印。",
                f"Not printed: kept for {days} days. Tap Collect my certificate and place "
                "the same ID card, or show this code to staff.",
            ),
        ), heading=("政务服务一体机", "领取凭条 Claim slip"))

"""One status shape for every device, modelled on XFS4IoT's common status.

The UI and the session flow ask every device the same question ("are you ready?") and get the
same answer type back, whatever the hardware. Device-class details (paper, card, face) ride in
their own small blocks so that a printer's status never pretends to know about cards.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any


class DeviceState(enum.Enum):
    """XFS4IoT's common device states."""

    ONLINE = "online"
    OFFLINE = "offline"
    POWER_OFF = "power_off"
    NO_DEVICE = "no_device"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    BUSY = "busy"
    STARTING = "starting"

    @property
    def usable(self) -> bool:
        """A device in this state can take a command now (or after the current one)."""
        return self in (DeviceState.ONLINE, DeviceState.BUSY)


class Paper(enum.Enum):
    FULL = "full"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class Media(enum.Enum):
    NONE = "none"
    PRESENT = "present"
    TAKEN = "taken"
    RETRACTED = "retracted"
    UNKNOWN = "unknown"


class CardPresence(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class FacePresence(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterBlock:
    paper: Paper = Paper.UNKNOWN
    media: Media = Media.UNKNOWN


@dataclass(frozen=True)
class ReaderBlock:
    card: CardPresence = CardPresence.UNKNOWN


@dataclass(frozen=True)
class CameraBlock:
    face: FacePresence = FacePresence.UNKNOWN


class DeviceClass(enum.Enum):
    IDCARD_READER = "idcard_reader"
    CAMERA = "camera"
    PRINTER = "printer"
    RECEIPT_PRINTER = "receipt_printer"
    SEAL = "seal"  # the electronic seal: its token, PIN and certificates (kiosk.seals)


@dataclass(frozen=True)
class DeviceStatus:
    """A snapshot of one device. Immutable: a change is a new snapshot."""

    device_class: DeviceClass
    state: DeviceState
    detail: str = ""  # a plain-language sentence for the attendant, never a traceback
    printer: PrinterBlock | None = None
    reader: ReaderBlock | None = None
    camera: CameraBlock | None = None
    # Capabilities are asked, not assumed (e.g. {"paper_sensor": True, "duplex": False}).
    capabilities: dict[str, Any] = field(default_factory=dict)
    # Facts the attendant screen shows (SAM id, firmware, queue name). Never personal data.
    info: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        if not self.state.usable:
            return False
        if self.printer is not None and self.printer.paper in (Paper.OUT, Paper.JAMMED):
            return False
        return True

    def with_state(self, state: DeviceState, detail: str = "") -> DeviceStatus:
        return replace(self, state=state, detail=detail)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "device": self.device_class.value,
            "state": self.state.value,
            "ready": self.ready,
            "detail": self.detail,
            "capabilities": dict(self.capabilities),
            "info": dict(self.info),
        }
        if self.printer is not None:
            out["paper"] = self.printer.paper.value
            out["media"] = self.printer.media.value
        if self.reader is not None:
            out["card"] = self.reader.card.value
        if self.camera is not None:
            out["face"] = self.camera.face.value
        return out


StatusListener = Callable[[DeviceStatus], None]


class StatusPublisher:
    """Holds a device's latest status and tells listeners when it changes.

    Listeners are called on the thread that publishes (usually a device worker thread); a Qt
    view re-emits them as signals so that widgets are only touched on the GUI thread.
    """

    def __init__(self, initial: DeviceStatus) -> None:
        self._status = initial
        self._lock = threading.Lock()
        self._listeners: list[StatusListener] = []

    @property
    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, status: DeviceStatus) -> None:
        with self._lock:
            changed = status != self._status
            self._status = status
            listeners = list(self._listeners)
        if changed:
            for listener in listeners:
                listener(status)


class CompletionCode(enum.Enum):
    """How a device command ended (XFS4IoT completion codes)."""

    SUCCESS = "success"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    UNSUPPORTED = "unsupported"


class DeviceError(Exception):
    """A device command did not succeed. `message_zh`/`message_en` are for the citizen."""

    code: CompletionCode = CompletionCode.HARDWARE_ERROR
    message_zh: str = "设备暂时无法使用，请联系工作人员。"
    message_en: str = "The device is not available. Please ask staff for help."

    def __init__(
        self,
        detail: str = "",
        *,
        code: CompletionCode | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
    ) -> None:
        super().__init__(detail or self.message_en)
        if code is not None:
            self.code = code
        if message_zh is not None:
            self.message_zh = message_zh
        if message_en is not None:
            self.message_en = message_en


class CommandTimeout(DeviceError):
    code = CompletionCode.TIMEOUT
    message_zh = "设备响应超时，请稍后再试。"
    message_en = "The device did not answer in time. Please try again."


class CommandCancelled(DeviceError):
    code = CompletionCode.CANCELLED
    message_zh = "操作已取消。"
    message_en = "The operation was cancelled."

"""Pure mapping from a CUPS queue's IPP attributes to the device status model, and job states.

No I/O here: `cups.py` fetches the attributes, this module decides what they mean, so the
mapping is tested on captured attribute sets. IPP keywords are from RFC 8011 §5.4.12/§5.3.7 and
the PWG 5100 registry; a reason may carry a severity suffix (-error, -warning, -report).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from devices.printer.base import JobState, PrinterCapabilities
from devices.status import (
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Media,
    Paper,
    PrinterBlock,
)

# printer-state (RFC 8011 §5.4.11)
PRINTER_IDLE = 3
PRINTER_PROCESSING = 4
PRINTER_STOPPED = 5

# job-state (RFC 8011 §5.3.7)
_JOB_STATES: dict[int, JobState] = {
    3: JobState.PENDING,  # pending
    4: JobState.PENDING,  # pending-held
    5: JobState.PENDING,  # processing
    6: JobState.PENDING,  # processing-stopped: the printer stopped under it; the caller decides
    7: JobState.CANCELLED,  # canceled
    8: JobState.FAILED,  # aborted by the system (filter or backend failure)
    9: JobState.COMPLETED,
}

_SUFFIXES = ("-error", "-warning", "-report")
_OFFLINE = {"offline", "shutdown", "timed-out", "paused", "moving-to-paused"}
_OPEN = {"door-open", "cover-open", "interlock-open", "input-tray-missing", "output-tray-missing"}
_SUPPLIES = {"toner-empty", "marker-supply-empty", "marker-waste-full", "spool-area-full"}

_PLAIN: dict[str, str] = {
    "media-jam": "卡纸 / paper jam",
    "media-empty": "缺纸 / out of paper",
    "media-needed": "缺纸 / out of paper",
    "media-low": "纸张不足 / paper low",
    "offline": "打印机离线 / printer offline",
    "shutdown": "打印机已关闭 / printer switched off",
    "timed-out": "打印机无响应 / printer not answering",
    "paused": "打印队列已暂停 / print queue paused",
    "door-open": "打印机门未关 / printer door open",
    "cover-open": "打印机盖未关 / printer cover open",
    "toner-empty": "墨粉用完 / toner empty",
    "toner-low": "墨粉不足 / toner low",
    "marker-supply-empty": "耗材用完 / supplies empty",
    "not-accepting": "打印队列不接受任务 / queue not accepting jobs",
}


def split_reason(reason: str) -> tuple[str, str]:
    """'media-empty-error' -> ('media-empty', 'error'); 'media-low' -> ('media-low', '')."""
    for suffix in _SUFFIXES:
        if reason.endswith(suffix):
            return reason[: -len(suffix)], suffix[1:]
    return reason, ""


@dataclass(frozen=True)
class QueueSnapshot:
    """The few printer attributes that decide a queue's status."""

    queue: str
    printer_state: int = PRINTER_IDLE
    reasons: tuple[str, ...] = ()
    accepting: bool = True
    message: str = ""
    make_and_model: str = ""

    @classmethod
    def from_attributes(cls, queue: str, attrs: Mapping[str, Any]) -> QueueSnapshot:
        raw = attrs.get("printer-state-reasons", ())
        reasons = (raw,) if isinstance(raw, str) else tuple(str(r) for r in raw or ())
        return cls(
            queue=queue,
            printer_state=int(attrs.get("printer-state", PRINTER_IDLE)),
            reasons=tuple(r for r in reasons if r and r != "none"),
            accepting=bool(attrs.get("printer-is-accepting-jobs", True)),
            message=str(attrs.get("printer-state-message", "") or ""),
            make_and_model=str(attrs.get("printer-make-and-model", "") or ""),
        )

    def with_reasons(self, extra: Iterable[str]) -> QueueSnapshot:
        merged = tuple(dict.fromkeys((*self.reasons, *extra)))
        return QueueSnapshot(
            self.queue,
            self.printer_state,
            merged,
            self.accepting,
            self.message,
            self.make_and_model,
        )


def paper_from_reasons(keywords: set[str]) -> Paper:
    if "media-jam" in keywords:
        return Paper.JAMMED
    if keywords & {"media-empty", "media-needed"}:
        return Paper.OUT
    if "media-low" in keywords:
        return Paper.LOW
    # CUPS says nothing about paper unless the printer complains: silence means "has paper".
    return Paper.FULL


def status_from_snapshot(
    snap: QueueSnapshot, capabilities: PrinterCapabilities | None = None
) -> DeviceStatus:
    """Map a queue snapshot to a DeviceStatus (device class PRINTER)."""
    parsed = [split_reason(r) for r in snap.reasons]
    keywords = {k for k, _ in parsed}
    errors = {k for k, sev in parsed if sev == "error"}
    paper = paper_from_reasons(keywords)

    if keywords & _OFFLINE:
        state = DeviceState.OFFLINE
    elif paper is Paper.JAMMED or keywords & _OPEN:
        state = DeviceState.USER_ERROR  # someone has to open the printer
    elif paper is Paper.OUT:
        state = DeviceState.ONLINE  # the device answers; `ready` is False through the paper
    elif keywords & _SUPPLIES or (errors - {"media-low"}):
        state = DeviceState.HARDWARE_ERROR
    elif not snap.accepting or snap.printer_state == PRINTER_STOPPED:
        state = DeviceState.OFFLINE
    elif snap.printer_state == PRINTER_PROCESSING:
        state = DeviceState.BUSY
    else:
        state = DeviceState.ONLINE

    words = [_PLAIN[k] for k in dict.fromkeys(k for k, _ in parsed) if k in _PLAIN]
    if not snap.accepting:
        words.append(_PLAIN["not-accepting"])
    if not words and state is DeviceState.OFFLINE:
        words.append(_PLAIN["paused"])
    info = {"queue": snap.queue}
    if snap.make_and_model:
        info["model"] = snap.make_and_model
    if snap.reasons:
        info["reasons"] = " ".join(snap.reasons)
    return DeviceStatus(
        DeviceClass.PRINTER,
        state,
        detail="; ".join(words),
        printer=PrinterBlock(paper=paper, media=Media.UNKNOWN),
        capabilities=capabilities.to_dict() if capabilities else {},
        info=info,
    )


def capabilities_from_attributes(
    attrs: Mapping[str, Any], *, paper_sensor: bool | None
) -> PrinterCapabilities:
    sides = attrs.get("sides-supported", ())
    sides = (sides,) if isinstance(sides, str) else tuple(sides or ())
    media = attrs.get("media-ready", ())
    media = (media,) if isinstance(media, str) else tuple(str(m) for m in media or ())
    color = attrs.get("color-supported")
    return PrinterCapabilities(
        paper_sensor=paper_sensor,
        job_tracking=True,
        duplex=any(s.startswith("two-sided") for s in sides) if sides else None,
        color=bool(color) if color is not None else None,
        media_ready=media,
    )


def job_state(value: int | None) -> JobState:
    """IPP job-state -> JobState; an unknown value counts as still pending."""
    if value is None:
        return JobState.PENDING
    return _JOB_STATES.get(int(value), JobState.PENDING)

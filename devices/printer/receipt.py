"""An optional ESC/POS receipt printer (python-escpos) for a short slip after a service.

The slip carries the service, the time, the terminal and the certificate's verification code
with a QR code of it: enough to check the certificate later, nothing about the person. A field
that looks like a resident ID number is refused rather than printed.

Chinese text goes out in the printer's Chinese mode (FS &) encoded GB18030, which is what
ESC/POS printers sold in China expect; ASCII is the same bytes in both modes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from devices.printer.base import PrinterError, PrinterHung, PrinterOffline
from devices.printer.deadline import RECOVERY_WAIT_S, DeadlinePassed, DeadlineRunner
from devices.status import (
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Media,
    Paper,
    PrinterBlock,
    StatusPublisher,
)

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."
LINE_WIDTH = 32  # characters of font A on 58 mm paper; a CJK character takes two
_ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")


class InvalidSlip(PrinterError, ValueError):
    """A slip field is unfit to print (e.g. it holds an ID number)."""

    message_zh = "凭条内容有误，无法打印。"
    message_en = "The receipt could not be printed."


class InvalidDeviceString(ValueError):
    """A receipt-printer connection string that is not usb:/serial:/file:."""


@dataclass(frozen=True)
class ReceiptSlip:
    service_zh: str
    issued_at: datetime
    verification_code: str
    service_en: str = ""
    terminal_id: str = ""
    verify_url: str = ""  # where the code can be checked; printed and put in the QR if given
    notes: tuple[str, ...] = ()  # extra lines after the code (e.g. how to collect a certificate)

    def __post_init__(self) -> None:
        texts = {name: getattr(self, name) for name in
                 ("service_zh", "service_en", "verification_code", "terminal_id", "verify_url")}
        texts.update({f"notes[{i}]": note for i, note in enumerate(self.notes)})
        for name, value in texts.items():
            if _ID_LIKE.search(value):
                raise InvalidSlip(f"slip field {name} looks like an ID number; refusing to print")
        if not self.verification_code.strip():
            raise InvalidSlip("a slip needs a verification code")

    @property
    def qr_content(self) -> str:
        if self.verify_url:
            sep = "&" if "?" in self.verify_url else "?"
            return f"{self.verify_url}{sep}code={self.verification_code}"
        return self.verification_code


def display_width(text: str) -> int:
    """Columns on a receipt: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_TOKENS = re.compile(r"[!-~]+|\s+|.")  # runs of printable ASCII, whitespace, or one character


def wrap(text: str, width: int = LINE_WIDTH) -> list[str]:
    """Wrap by display width, keeping Latin words whole where they fit (CJK breaks anywhere)."""
    lines: list[str] = []
    current = ""
    for token in _TOKENS.findall(text):
        if display_width(current + token) <= width:
            current += token
            continue
        if token.isspace():
            lines.append(current)
            current = ""
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = ""
        for ch in token:  # a token wider than a line, or a CJK character
            if display_width(current + ch) > width:
                lines.append(current)
                current = ""
            current += ch
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]


def slip_lines(slip: ReceiptSlip) -> list[str]:
    """The slip's text body, line by line (without the heading and the QR code)."""
    lines = wrap(f"办理事项: {slip.service_zh}")
    if slip.service_en:
        lines += wrap(f"Service: {slip.service_en}")
    lines += [f"时间 Time: {slip.issued_at:%Y-%m-%d %H:%M}"]
    if slip.terminal_id:
        lines += wrap(f"终端 Terminal: {slip.terminal_id}")
    lines += ["验证码 Verification code:"]
    lines += wrap(slip.verification_code)
    for note in slip.notes:
        lines += wrap(note)
    return lines


def _encode(text: str) -> bytes:
    return text.encode("gb18030", errors="replace")


@dataclass(frozen=True)
class DeviceSpec:
    kind: str  # "usb" | "serial" | "file"
    args: tuple[Any, ...]


def parse_device_string(spec: str) -> DeviceSpec:
    """'usb:0x0416:0x5011', 'serial:/dev/ttyS1[:baud]', 'file:/dev/usb/lp0' -> DeviceSpec."""
    kind, _, rest = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise InvalidDeviceString(f"expected usb:VENDOR:PRODUCT, got {spec!r}")
        try:
            return DeviceSpec("usb", (int(parts[0], 16), int(parts[1], 16)))
        except ValueError as exc:
            raise InvalidDeviceString(f"USB ids must be hexadecimal: {spec!r}") from exc
    if kind == "serial" and rest:
        path, _, baud = rest.partition(":")
        if baud and not baud.isdigit():
            raise InvalidDeviceString(f"bad baud rate in {spec!r}")
        return DeviceSpec("serial", (path, int(baud) if baud else 9600))
    if kind == "file" and rest:
        return DeviceSpec("file", (rest,))
    raise InvalidDeviceString(
        f"expected usb:VID:PID, serial:/dev/ttyX[:baud] or file:/path, got {spec!r}"
    )


class ReceiptPrinter:
    """Prints `ReceiptSlip`s on an ESC/POS printer. Give it any python-escpos printer object."""

    def __init__(self, printer: Escpos, *, name: str = "", native_qr: bool = False,
                 call_timeout_s: float = 10.0) -> None:
        self._printer = printer
        self._lock = threading.Lock()
        self.name = name or type(printer).__name__
        # A slip printer that stops reading (USB stalled, serial flow control held) must not
        # hold the session: each call to it has a deadline, and overrunning it is a fault.
        self.call_timeout_s = call_timeout_s
        self._runner = DeadlineRunner(f"receipt-{self.name}")
        self._recovery: Future[DeviceStatus] | None = None
        # Raster QR (the default) prints on every ESC/POS printer; native GS ( k is smaller
        # and sharper but only some firmware has it.
        self.native_qr = native_qr
        self._publisher = StatusPublisher(self._status(DeviceState.STARTING, Paper.UNKNOWN))

    @classmethod
    def from_device_string(cls, spec: str, *, native_qr: bool = False) -> ReceiptPrinter:
        from escpos import printer as escpos_printers

        dev = parse_device_string(spec)
        made: Escpos
        if dev.kind == "usb":
            made = escpos_printers.Usb(dev.args[0], dev.args[1])
        elif dev.kind == "serial":
            made = escpos_printers.Serial(devfile=dev.args[0], baudrate=dev.args[1])
        else:
            made = escpos_printers.File(devfile=dev.args[0])
        return cls(made, name=spec, native_qr=native_qr)

    @property
    def status_publisher(self) -> StatusPublisher:
        return self._publisher

    def _status(self, state: DeviceState, paper: Paper, detail: str = "") -> DeviceStatus:
        return DeviceStatus(
            DeviceClass.RECEIPT_PRINTER,
            state,
            detail=detail,
            printer=PrinterBlock(paper, Media.UNKNOWN),
            capabilities={"paper_sensor": self.can_report_paper, "cutter": True},
            info={"device": self.name},
        )

    @property
    def can_report_paper(self) -> bool:
        # Only two-way connections can answer DLE EOT; a plain device file cannot.
        return type(self._printer)._read is not Escpos._read

    def _reopen_if_lost(self) -> None:
        # python-escpos leaves a printer whose open failed with device None and never retries;
        # a receipt printer unplugged at night must come back when plugged in again.
        if getattr(self._printer, "_device", False) is None:
            self._printer.open()

    def _hung(self, what: str) -> PrinterHung:
        detail = f"凭条打印机没有响应 / receipt printer not responding ({what})"
        self._publisher.publish(self._status(DeviceState.HARDWARE_ERROR, Paper.UNKNOWN, detail))
        if self._recovery is None or self._recovery.done():  # clears once it answers again
            self._recovery = self._runner.post(self._ask_status, RECOVERY_WAIT_S)
        return PrinterHung(f"receipt printer {self.name} did not answer {what} in time")

    def status(self) -> DeviceStatus:
        try:
            return self._runner.call(self._ask_status, self.call_timeout_s)
        except DeadlinePassed:
            self._hung("a status request")
            return self._publisher.status

    def _ask_status(self) -> DeviceStatus:
        if not self.can_report_paper:
            status = self._status(DeviceState.ONLINE, Paper.UNKNOWN)
        else:
            try:
                with self._lock:
                    self._reopen_if_lost()
                    online = self._printer.is_online()
                    paper = self._printer.paper_status()
            except Exception as exc:  # any transport failure means we cannot reach it
                status = self._status(DeviceState.OFFLINE, Paper.UNKNOWN, f"unreachable: {exc}")
            else:
                mapped = {2: Paper.FULL, 1: Paper.LOW, 0: Paper.OUT}.get(paper, Paper.UNKNOWN)
                state = DeviceState.ONLINE if online else DeviceState.OFFLINE
                status = self._status(state, mapped)
        self._publisher.publish(status)
        return status

    def print_slip(self, slip: ReceiptSlip, *, heading: Sequence[str] = ()) -> None:
        """Print one slip and cut. Raises PrinterOffline when the printer cannot be reached,
        PrinterHung when it does not take the slip within `call_timeout_s`."""
        try:
            self._runner.call(lambda: self._write_slip(slip, heading), self.call_timeout_s)
        except DeadlinePassed:
            raise self._hung("the slip") from None

    def _write_slip(self, slip: ReceiptSlip, heading: Sequence[str]) -> None:
        head = list(heading) or ["政务服务一体机", "办理凭条 Service receipt"]
        p = self._printer
        try:
            with self._lock:
                self._reopen_if_lost()
                p.hw("INIT")
                p._raw(FS_CHINESE_ON)
                p.set(align="center", bold=True, double_height=True)
                for line in head:
                    p._raw(_encode(line) + b"\n")
                p.set(align="left", normal_textsize=True, bold=False)
                p._raw(b"-" * LINE_WIDTH + b"\n")
                for line in slip_lines(slip):
                    p._raw(_encode(line) + b"\n")
                p._raw(FS_CHINESE_OFF)
                p.qr(slip.qr_content, size=6, native=self.native_qr, center=False)
                p.set(align="center")
                p._raw(FS_CHINESE_ON + _encode("凭验证码可核验证明真伪") + b"\n" + FS_CHINESE_OFF)
                p._raw(b"Scan or type the code to verify\n")
                p.cut()
        except (EscposError, OSError, RuntimeError) as exc:  # RuntimeError: no USB backend
            self._publisher.publish(self._status(DeviceState.OFFLINE, Paper.UNKNOWN, str(exc)))
            raise PrinterOffline(f"receipt printer {self.name}: {exc}") from exc

    def close(self) -> None:
        try:
            self._printer.close()
        except Exception:  # closing a never-opened device is not an error worth raising
            pass

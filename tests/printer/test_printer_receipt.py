"""ESC/POS receipt slips: the bytes python-escpos would send, checked command by command."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from escpos.printer import Dummy

from devices.printer.base import PrinterOffline
from devices.printer.receipt import (
    FS_CHINESE_ON,
    DeviceSpec,
    InvalidDeviceString,
    InvalidSlip,
    ReceiptPrinter,
    ReceiptSlip,
    display_width,
    parse_device_string,
    slip_lines,
    wrap,
)
from devices.status import DeviceClass, DeviceState, Paper

CODE = "K7Q2-M9XD-4WZP-RT8A"
SLIP = ReceiptSlip(
    service_zh="不动产登记信息查询",
    service_en="Real estate registration record",
    issued_at=datetime(2025, 3, 14, 9, 26),
    verification_code=CODE,
    terminal_id="ZZ-0001",
)
GS_V = b"\x1dV"  # ESC/POS cut


def printed(slip: ReceiptSlip = SLIP, *, native_qr: bool = False) -> bytes:
    dummy = Dummy()
    ReceiptPrinter(dummy, native_qr=native_qr).print_slip(slip)
    return bytes(dummy.output)


def raster_images(data: bytes) -> list[np.ndarray]:
    """Decode every GS v 0 raster image in an ESC/POS byte stream into a 0/255 bitmap."""
    images = []
    start = 0
    while (i := data.find(b"\x1dv0", start)) >= 0:
        width_bytes = data[i + 4] | data[i + 5] << 8
        height = data[i + 6] | data[i + 7] << 8
        body = np.frombuffer(data, np.uint8, width_bytes * height, i + 8)
        bits = np.unpackbits(body.reshape(height, width_bytes), axis=1)
        images.append(np.where(bits == 1, 0, 255).astype(np.uint8))  # 1 = black dot
        start = i + 8 + width_bytes * height
    return images


def test_slip_text_is_sent_in_chinese_mode_as_gb18030() -> None:
    out = printed()
    assert out.startswith(b"\x1b@")  # initialise first
    assert FS_CHINESE_ON in out
    assert "不动产登记信息查询".encode("gb18030") in out
    assert "办理凭条".encode("gb18030") in out
    assert b"Service: Real estate\n" in out and b"registration record\n" in out
    assert b"2025-03-14 09:26" in out
    assert CODE.encode() in out
    assert b"ZZ-0001" in out


def test_slip_ends_with_a_cut() -> None:
    out = printed()
    assert out.rstrip(b"\x00\x01").endswith(GS_V) or out[-3:-1] == GS_V
    assert out.rfind(GS_V) > out.rfind(CODE.encode())


def test_raster_qr_decodes_to_the_verification_code() -> None:
    images = raster_images(printed())
    assert len(images) == 1
    img = np.pad(images[0], 16, constant_values=255)  # quiet zone
    results = zxingcpp.read_barcodes(img)
    assert [r.text for r in results] == [CODE]


def test_native_qr_stores_the_url_with_the_code() -> None:
    slip = ReceiptSlip(
        service_zh="养老金发放明细",
        issued_at=datetime(2025, 1, 2, 3, 4),
        verification_code=CODE,
        verify_url="https://verify.example.gov.cn/v",
    )
    out = printed(slip, native_qr=True)
    assert b"\x1d(k" in out  # GS ( k: the printer draws the symbol itself
    assert f"https://verify.example.gov.cn/v?code={CODE}".encode() in out
    assert not raster_images(out)


def test_a_slip_never_carries_an_id_number() -> None:
    with pytest.raises(InvalidSlip):
        ReceiptSlip("查询 410402198805201238", datetime(2025, 1, 1), CODE)
    with pytest.raises(InvalidSlip):
        ReceiptSlip("查询", datetime(2025, 1, 1), CODE, terminal_id="11010519491231002X")
    with pytest.raises(InvalidSlip):
        ReceiptSlip("查询", datetime(2025, 1, 1), "  ")
    assert "410402198805201238" not in printed().decode("gb18030", errors="replace")


def test_lines_fit_a_58mm_slip() -> None:
    long = ReceiptSlip("住房公积金缴存明细及个人账户余额查询打印服务", datetime(2025, 1, 1), CODE)
    assert all(display_width(line) <= 32 for line in slip_lines(long))
    assert (
        "".join(wrap("住房公积金缴存明细及个人账户余额查询", 10))
        == "住房公积金缴存明细及个人账户余额查询"
    )
    assert display_width("ab中文") == 6


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("usb:0x0416:0x5011", DeviceSpec("usb", (0x0416, 0x5011))),
        ("serial:/dev/ttyS1", DeviceSpec("serial", ("/dev/ttyS1", 9600))),
        ("serial:/dev/ttyUSB0:115200", DeviceSpec("serial", ("/dev/ttyUSB0", 115200))),
        ("file:/dev/usb/lp0", DeviceSpec("file", ("/dev/usb/lp0",))),
    ],
)
def test_device_strings(spec: str, expected: DeviceSpec) -> None:
    assert parse_device_string(spec) == expected


@pytest.mark.parametrize(
    "spec", ["", "usb:0416", "usb:zz:11", "lpt:1", "serial:", "serial:/x:fast"]
)
def test_bad_device_strings_are_refused(spec: str) -> None:
    with pytest.raises(InvalidDeviceString):
        parse_device_string(spec)


def test_file_device_receives_the_slip(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.touch()
    printer = ReceiptPrinter.from_device_string(f"file:{target}")
    printer.print_slip(SLIP)
    printer.close()
    data = target.read_bytes()
    assert CODE.encode() in data and GS_V in data
    status = printer.status()
    assert status.device_class is DeviceClass.RECEIPT_PRINTER
    assert status.capabilities["paper_sensor"] is False


def test_missing_device_is_offline_and_comes_back_when_plugged_in(tmp_path: Path) -> None:
    device = tmp_path / "usb" / "lp0"
    printer = ReceiptPrinter.from_device_string(f"file:{device}")
    with pytest.raises(PrinterOffline) as info:
        printer.print_slip(SLIP)
    assert info.value.message_zh and info.value.message_en
    assert printer.status_publisher.status.state is DeviceState.OFFLINE
    device.parent.mkdir()
    device.touch()
    printer.print_slip(SLIP)
    printer.close()
    assert CODE.encode() in device.read_bytes()


class TwoWayDummy(Dummy):
    """A Dummy that answers DLE EOT status queries like a real printer."""

    def __init__(self, paper_byte: int) -> None:
        super().__init__()
        self.paper_byte = paper_byte
        self._last = b""

    def _raw(self, msg: bytes) -> None:
        self._last = bytes(msg)
        super()._raw(msg)

    def _read(self) -> bytes:
        return bytes([0x12]) if self._last == b"\x10\x04\x01" else bytes([self.paper_byte])


@pytest.mark.parametrize(
    ("answer", "paper"), [(0x12, Paper.FULL), (0x1E, Paper.LOW), (0x72, Paper.OUT)]
)
def test_two_way_printer_reports_paper(answer: int, paper: Paper) -> None:
    status = ReceiptPrinter(TwoWayDummy(answer)).status()
    assert status.state is DeviceState.ONLINE
    assert status.printer is not None and status.printer.paper is paper
    assert status.capabilities["paper_sensor"] is True


def test_wrap_keeps_latin_words_whole() -> None:
    assert wrap("Service: Real estate registration record", 32) == [
        "Service: Real estate",
        "registration record",
    ]
    assert wrap("x" * 40, 32) == ["x" * 32, "x" * 8]
    assert wrap("", 32) == [""]

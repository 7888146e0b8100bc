"""The attendant panel's words: every device state and paper state in Chinese and English,
kept jobs in plain words; never a raw code."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from devices.status import DeviceClass, DeviceState, DeviceStatus, Paper, PrinterBlock
from kiosk.attendant_words import device_line, job_rows, job_state, paper_line
from kiosk.store.jobs import WaitingJob

CODES = re.compile(r"[a-z]+_[a-z]+|paper=|[a-z]+=")  # user_error, no_device, paper=jammed


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("state", list(DeviceState))
@pytest.mark.parametrize("paper", list(Paper))
def test_every_state_and_paper_state_is_words(state, paper, language) -> None:
    status = DeviceStatus(DeviceClass.PRINTER, state, "raw detail: media-jam-error",
                          printer=PrinterBlock(paper=paper))
    line = device_line(status, language)
    assert not CODES.search(line), line
    assert "media-jam-error" not in line and "raw detail" not in line
    assert line.startswith("证明打印机：" if language == "zh" else "Certificate printer: ")
    assert paper_line([status], language)


def test_the_usual_lines() -> None:
    jammed = DeviceStatus(DeviceClass.PRINTER, DeviceState.USER_ERROR,
                          printer=PrinterBlock(paper=Paper.JAMMED))
    assert device_line(jammed, "en") == ("Certificate printer: needs a hand (e.g. paper jam, "
                                         "no paper, cover open), paper jam: open the cover and "
                                         "clear it")
    reader = DeviceStatus(DeviceClass.IDCARD_READER, DeviceState.OFFLINE)
    assert device_line(reader, "zh") == "身份证阅读器：未连接"


def test_kept_jobs_in_words() -> None:
    assert job_state("pending", "", "zh") == "等待打印"
    assert job_state("failed", "PaperJam", "en") == "not printed: paper jam"
    assert job_state("failed", "in-doubt: timeout, cancel not confirmed", "zh") == \
        "未打出：可能已打出，请先查看出纸口"
    assert job_state("failed", "SomethingNew", "en") == "not printed"
    at = datetime(2026, 5, 4, 2, 17, tzinfo=UTC)
    jobs = [WaitingJob(3, at, "CODE", "无房证明", "张*", "failed", "PaperOut", 1)]
    (row,) = job_rows(jobs, "zh", UTC)
    assert row.job_id == 3 and not row.in_doubt
    # The code the claim slip tells the citizen to show staff.
    assert row.text == "05-04 02:17 · 张* · 无房证明 · CODE · 未打出：缺纸"


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("reason", [
    "idcard_reader: stopped", "camera: camera stopped", "printer: media-jam-error",
    "outside opening hours", "starting",
    "storage: the audit log or the certificate registry cannot be written",
    "data_dir: 12 MB free, 200 MB needed", "start: OSError: [Errno 5] I/O error",
    "seals: token_absent", "something_new: odd_detail",
])
def test_why_the_terminal_cannot_serve_is_words(reason: str, language: str) -> None:
    from kiosk.attendant_words import reason_line

    line = reason_line(reason, language)
    assert line and not CODES.search(line), line
    if language == "zh":
        assert not re.search(r"[A-Za-z]{3,}", line.replace("kiosk-admin preflight", "")), line

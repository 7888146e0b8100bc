"""The pure IPP-attributes -> device-status mapping, on attribute sets captured from cupsd."""

from __future__ import annotations

import pytest

from devices.printer.base import (
    JobState,
    PaperJam,
    PaperOut,
    PrinterOffline,
    error_for_status,
)
from devices.printer.ipp_status import (
    QueueSnapshot,
    capabilities_from_attributes,
    job_state,
    split_reason,
    status_from_snapshot,
)
from devices.status import DeviceState, Paper

# Captured from a CUPS 2.4 CUPS-PDF queue via Get-Printer-Attributes (trimmed).
IDLE_QUEUE = {
    "printer-is-accepting-jobs": True,
    "printer-state": 3,
    "printer-state-message": "",
    "printer-state-reasons": ["none"],
    "printer-make-and-model": "Generic CUPS-PDF Printer (w/ options)",
    "color-supported": True,
    "media-ready": ["iso_a3_297x420mm", "iso_a4_210x297mm"],
    "sides-supported": ["one-sided"],
}
# The same queue after `cupsdisable -r "..."`: stopped, reason "paused".
PAUSED_QUEUE = {
    **IDLE_QUEUE,
    "printer-state": 5,
    "printer-state-message": "maintenance",
    "printer-state-reasons": ["paused"],
}


def status_of(attrs: dict[str, object], *extra: str):  # type: ignore[no-untyped-def]
    return status_from_snapshot(QueueSnapshot.from_attributes("q", attrs).with_reasons(extra))


def test_idle_queue_is_online_with_paper_and_ready() -> None:
    status = status_of(IDLE_QUEUE)
    assert status.state is DeviceState.ONLINE
    assert status.printer is not None and status.printer.paper is Paper.FULL
    assert status.ready and error_for_status(status) is None
    assert status.info["model"] == "Generic CUPS-PDF Printer (w/ options)"


def test_paused_queue_is_offline() -> None:
    status = status_of(PAUSED_QUEUE)
    assert status.state is DeviceState.OFFLINE
    assert not status.ready
    assert isinstance(error_for_status(status), PrinterOffline)
    assert "paused" in status.detail


@pytest.mark.parametrize(
    ("reason", "paper", "state", "error"),
    [
        ("media-empty-error", Paper.OUT, DeviceState.ONLINE, PaperOut),
        ("media-needed", Paper.OUT, DeviceState.ONLINE, PaperOut),
        ("media-jam-error", Paper.JAMMED, DeviceState.USER_ERROR, PaperJam),
        ("offline-report", Paper.FULL, DeviceState.OFFLINE, PrinterOffline),
        ("shutdown", Paper.FULL, DeviceState.OFFLINE, PrinterOffline),
        ("cover-open-error", Paper.FULL, DeviceState.USER_ERROR, PrinterOffline),
        ("toner-empty-error", Paper.FULL, DeviceState.HARDWARE_ERROR, PrinterOffline),
    ],
)
def test_fault_reasons_map_to_paper_state_and_typed_error(
    reason: str, paper: Paper, state: DeviceState, error: type
) -> None:
    status = status_of(IDLE_QUEUE, reason)
    assert status.printer is not None and status.printer.paper is paper
    assert status.state is state
    assert not status.ready
    assert type(error_for_status(status)) is error
    assert reason in status.info["reasons"]


def test_paper_low_warns_but_still_prints() -> None:
    status = status_of(IDLE_QUEUE, "media-low-report")
    assert status.printer is not None and status.printer.paper is Paper.LOW
    assert status.ready and error_for_status(status) is None
    assert "paper low" in status.detail


def test_jam_wins_over_paper_out_and_is_worded_in_both_languages() -> None:
    status = status_of(IDLE_QUEUE, "media-empty-error", "media-jam-error")
    assert status.printer is not None and status.printer.paper is Paper.JAMMED
    assert "卡纸" in status.detail and "paper jam" in status.detail


def test_processing_queue_is_busy_and_still_usable() -> None:
    status = status_of({**IDLE_QUEUE, "printer-state": 4})
    assert status.state is DeviceState.BUSY and status.ready


def test_queue_rejecting_jobs_is_offline() -> None:
    status = status_of({**IDLE_QUEUE, "printer-is-accepting-jobs": False})
    assert status.state is DeviceState.OFFLINE
    assert "not accepting" in status.detail


def test_single_string_reason_is_accepted() -> None:
    snap = QueueSnapshot.from_attributes("q", {**IDLE_QUEUE, "printer-state-reasons": "media-jam"})
    assert snap.reasons == ("media-jam",)


def test_split_reason() -> None:
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("media-low-report") == ("media-low", "report")
    assert split_reason("media-low") == ("media-low", "")


def test_capabilities_are_read_from_the_queue() -> None:
    caps = capabilities_from_attributes(IDLE_QUEUE, paper_sensor=None)
    assert caps.duplex is False and caps.color is True
    assert "iso_a4_210x297mm" in caps.media_ready
    duplex = capabilities_from_attributes(
        {"sides-supported": ["one-sided", "two-sided-long-edge"]}, paper_sensor=True
    )
    assert duplex.duplex is True and duplex.color is None and duplex.paper_sensor is True


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (3, JobState.PENDING),
        (4, JobState.PENDING),
        (5, JobState.PENDING),
        (6, JobState.PENDING),
        (7, JobState.CANCELLED),
        (8, JobState.FAILED),
        (9, JobState.COMPLETED),
        (None, JobState.PENDING),
    ],
)
def test_ipp_job_states(value: int | None, state: JobState) -> None:
    assert job_state(value) is state

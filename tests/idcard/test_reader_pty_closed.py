"""The far end of the serial line vanishes between commands (the USB-serial adapter is pulled
while idle): the driver reports NO_DEVICE and its worker keeps running to find it again."""

from __future__ import annotations

import time

from devices.idcard.reader import IdCardReader
from devices.idcard.simulator import ReaderSimulator
from devices.status import DeviceState


def _wait_state(reader: IdCardReader, state: DeviceState, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while reader.status.state is not state:
        assert time.monotonic() < end, f"reader still {reader.status.state}"
        time.sleep(0.05)


def test_closed_pty_goes_no_device_and_the_worker_survives(tmp_path) -> None:
    link = tmp_path / "ttyID"
    sim = ReaderSimulator()
    sim.start_pty(link)
    reader = IdCardReader(str(link), armed=False, poll_interval_s=0.3, reopen_interval_s=0.2)
    reader.start()
    try:
        _wait_state(reader, DeviceState.ONLINE)
        sim.stop()
        _wait_state(reader, DeviceState.NO_DEVICE)
        assert reader._thread is not None and reader._thread.is_alive()
        sim.start_pty(link)  # plugged back in at the same path
        _wait_state(reader, DeviceState.ONLINE)
    finally:
        reader.stop()
        sim.stop()

"""Helpers shared by the ID-card tests: a fast-timing driver and an event recorder."""

from __future__ import annotations

import queue
from typing import Any

from devices.idcard.card import CardData
from devices.idcard.reader import CardEvent, IdCardReader
from devices.idcard.simulator import demo_cards
from devices.status import DeviceState, DeviceStatus

CARDS = demo_cards()


def fast_reader(port: str, **kwargs: Any) -> IdCardReader:
    """Short timeouts (with room for a loaded CI machine) so fault tests stay quick; the
    defaults are exercised by the CLI test."""
    options: dict[str, Any] = {
        "poll_interval_s": 0.05,
        "find_timeout_s": 0.8,
        "select_timeout_s": 0.8,
        "read_timeout_s": 1.5,
        "reopen_interval_s": 0.1,
    }
    options.update(kwargs)
    return IdCardReader(port, **options)


def same_card(read: CardData, expected: CardData) -> bool:
    return read.to_json(extra=True) == expected.to_json(extra=True)


def started(port: str, recorder: Recorder, **kwargs: Any) -> IdCardReader:
    """A fast reader whose worker runs, with events and statuses going to `recorder`."""
    reader = fast_reader(port, **kwargs)
    reader.subscribe(recorder.on_event)
    reader.status_publisher.subscribe(recorder.on_status)
    reader.start()
    return reader


class Recorder:
    """Collects events and statuses from the worker thread for the test thread to wait on."""

    def __init__(self) -> None:
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self.statuses: queue.Queue[DeviceStatus] = queue.Queue()
        self.seen: list[CardEvent] = []

    def on_event(self, event: CardEvent) -> None:
        self.events.put(event)

    def on_status(self, status: DeviceStatus) -> None:
        self.statuses.put(status)

    def next_event(self, timeout: float = 5.0) -> CardEvent:
        event = self.events.get(timeout=timeout)
        self.seen.append(event)
        return event

    def wait_state(self, state: DeviceState, timeout: float = 5.0) -> DeviceStatus:
        while True:
            status = self.statuses.get(timeout=timeout)
            if status.state is state:
                return status

    def no_event_within(self, seconds: float) -> bool:
        try:
            event = self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        self.seen.append(event)
        return False

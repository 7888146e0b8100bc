"""The card step through the real driver on an in-process simulated reader: a card left on
the reader by one citizen is never read for the next."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from devices.idcard.codec import Command
from devices.idcard.reader import IdCardReader
from devices.idcard.sim_core import SimulatedReader, demo_cards
from devices.status import CardPresence
from kiosk.ports import CARD_EXPIRED, ReaderCardPort

ZHANG = demo_cards()["zhang_wei"]
LI = demo_cards()["li_xiuying"]


class Reads:
    def __init__(self) -> None:
        self.people: list[str] = []
        self.messages: list[str] = []
        self.event = threading.Event()

    def __call__(self, person, message) -> None:
        if person is not None:
            self.people.append(person.id_number)
        else:
            self.messages.append(message.zh)
        self.event.set()


def _reader(sim: SimulatedReader) -> IdCardReader:
    reader = IdCardReader(sim.url(), poll_interval_s=0.05, removal_polls=2)
    reader.start()
    return reader


def test_a_card_left_behind_waits_to_be_lifted_before_the_next_session_reads() -> None:
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader)
        first = Reads()
        sim.place_card(ZHANG)
        port.arm(first)
        assert first.event.wait(5) and first.people == [ZHANG.id_number]
        port.disarm()
        port.session_ended()  # citizen A walks away; the card stays on the reader

        second = Reads()
        port.arm(second)
        assert not second.event.wait(1.0), "the previous citizen's card was read"
        sim.remove_card()
        time.sleep(0.5)
        sim.place_card(LI)
        assert second.event.wait(5) and second.people == [LI.id_number]
    finally:
        reader.stop()


def test_a_quick_swap_serves_the_next_citizen_and_the_left_card_stays_unread() -> None:
    """Lifted and another card laid down with no poll in between: the reader never sees the
    slot empty, so only the card's identity can tell the new citizen's card from the old."""
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader, recheck_s=0.2)
        first = Reads()
        sim.place_card(ZHANG)
        port.arm(first)
        assert first.event.wait(5) and first.people == [ZHANG.id_number]
        port.disarm()
        port.session_ended()  # citizen A walks away; the card stays on the reader
        assert port.guarding

        second = Reads()
        port.arm(second)
        # The left card is read (to compare) and looked at again; never handed over.
        _wait_for(lambda: sim.commands[Command.READ_TEXT_PHOTO] >= 3)
        assert not second.event.is_set(), "the previous citizen's card was read"
        sim.place_card(LI)  # the swap: the slot is never empty at a poll
        assert second.event.wait(5) and second.people == [LI.id_number]
        assert not port.guarding
    finally:
        reader.stop()


def test_a_card_left_on_the_reader_is_read_when_a_face_check_follows() -> None:
    """A print failed, the citizen pressed Finish, then Collect: their card still lies on the
    reader. The camera decides whose it is, so it is read instead of waiting for a lift."""
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader)
        first = Reads()
        sim.place_card(ZHANG)
        port.arm(first)
        assert first.event.wait(5)
        port.disarm()
        port.session_ended()
        assert port.guarding
        collect = Reads()
        port.arm(collect, face_follows=True)
        assert collect.event.wait(5) and collect.people == [ZHANG.id_number]
    finally:
        reader.stop()


def test_the_same_card_put_back_after_a_lift_is_read() -> None:
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader)
        first = Reads()
        sim.place_card(ZHANG)
        port.arm(first)
        assert first.event.wait(5)
        port.disarm()
        port.session_ended()
        sim.remove_card()  # lifted: the reader sees the slot empty and the guard ends
        _wait_for(lambda: not port.guarding)
        second = Reads()
        port.arm(second)
        sim.place_card(ZHANG)
        assert second.event.wait(5) and second.people == [ZHANG.id_number]
    finally:
        reader.stop()


def test_a_different_card_left_after_the_read_card_was_lifted_is_not_read() -> None:
    """Citizen A's card was read, then lifted, and another card (a relative's) laid down
    before A walked away. That card is A's leaving too: the next citizen's card step must
    not take it for their own just because it is not the card read in A's session."""
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader, recheck_s=0.2)
        first = Reads()
        sim.place_card(ZHANG)
        port.arm(first)
        assert first.event.wait(5) and first.people == [ZHANG.id_number]
        port.disarm()
        sim.remove_card()
        _wait_for(lambda: not _present(reader))
        sim.place_card(LI)
        _wait_for(lambda: _present(reader))
        port.session_ended()  # A walks away; LI's card stays on the reader
        assert port.guarding

        second = Reads()
        port.arm(second)
        _wait_for(lambda: second.event.is_set() or sim.commands[Command.READ_TEXT_PHOTO] >= 3)
        assert not second.event.is_set(), "a card the previous citizen left was read"
        sim.remove_card()
        _wait_for(lambda: not port.guarding)  # lifted: the guard ends
        sim.place_card(LI)
        assert second.event.wait(5) and second.people == [LI.id_number]
    finally:
        reader.stop()


def _present(reader: IdCardReader) -> bool:
    block = reader.status.reader
    return block is not None and block.card is CardPresence.PRESENT


def _wait_for(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def test_a_card_placed_early_in_the_same_session_is_read() -> None:
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader)
        sim.place_card(ZHANG)  # put down on the home screen, before the card step
        time.sleep(0.3)
        reads = Reads()
        port.arm(reads)
        assert reads.event.wait(5) and reads.people == [ZHANG.id_number]
    finally:
        reader.stop()


def test_an_expired_card_is_a_plain_message_not_a_person() -> None:
    sim = SimulatedReader()
    reader = _reader(sim)
    try:
        port = ReaderCardPort(reader, clock=lambda: datetime(2099, 1, 1))
        sim.place_card(LI)
        reads = Reads()
        port.arm(reads)
        assert reads.event.wait(5)
        if LI.valid_to is not None:  # 长期 cards never expire
            assert reads.people == [] and reads.messages == [CARD_EXPIRED.zh]
    finally:
        reader.stop()

"""Resident ID-card reader: protocol codec and card parser (pure), serial driver, simulator.

The kiosk builds an `IdCardReader(port, baud)`, subscribes to its card events and status, and
calls `start()`; in demo mode the port is a `ReaderSimulator`'s pseudo-terminal. Tests may give
a ``simreader://`` URL as the port instead (see `devices.idcard.urlhandler.protocol_simreader`).
"""

from devices.idcard.card import CardData, CardType, decode_photo, set_photo_decoder
from devices.idcard.errors import IdCardError, NoCard, ReaderUnavailable, UnreadableCard
from devices.idcard.reader import (
    CardEvent,
    CardPresent,
    CardRead,
    CardRemoved,
    IdCardReader,
    ReaderFault,
)
from devices.idcard.session import ReaderSession
from devices.idcard.simulator import Fault, ReaderSimulator, demo_cards, load_card
from devices.idcard.urlhandler import register as _register_url_handler

_register_url_handler()  # serial_for_url("simreader://...") opens an in-process simulator

__all__ = [
    "CardData",
    "CardEvent",
    "CardPresent",
    "CardRead",
    "CardRemoved",
    "CardType",
    "Fault",
    "IdCardError",
    "IdCardReader",
    "NoCard",
    "ReaderFault",
    "ReaderSession",
    "ReaderSimulator",
    "ReaderUnavailable",
    "UnreadableCard",
    "decode_photo",
    "demo_cards",
    "load_card",
    "set_photo_decoder",
]

"""kiosk-admin idcard read / simulate-reader: one read through the real driver, and a reader
simulator on a pseudo-terminal for demos and tests (DESIGN section 6)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from devices.idcard.card import CardData, mask_id_number
from devices.idcard.errors import IdCardError, NoCard
from devices.idcard.reader import IdCardReader
from devices.idcard.simulator import CARDS_DIR, ReaderSimulator, load_card
from kiosk.cli import CliError
from kiosk.config import ConfigError, load_settings

EXIT_NO_CARD = 3
DEFAULT_DEMO_CARD = CARDS_DIR / "zhang_wei.json"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    idcard = subparsers.add_parser("idcard", help="ID card reader tools")
    sub = idcard.add_subparsers(dest="idcard_command", required=True, metavar="ACTION")
    read = sub.add_parser(
        "read",
        help="read one card through the real driver",
        description="Read one card. Exit 0 on a read, 3 when no card is on the reader, "
        "1 on any other error.",
    )
    read.add_argument("--port", help="serial device (default: the configured reader port)")
    read.add_argument("--baud", type=int, help="serial speed (default: configured, or 115200)")
    read.add_argument("--json", action="store_true", help="print the card as JSON")
    read.add_argument(
        "--wait", type=float, default=0.0, metavar="S", help="wait up to S seconds for a card"
    )
    read.set_defaults(handler=cmd_read)

    sim = subparsers.add_parser(
        "simulate-reader",
        help="serve a simulated ID card reader on a pseudo-terminal",
        description="Print the pseudo-terminal path on its own line, then serve until "
        "SIGINT or SIGTERM.",
    )
    cards = sim.add_mutually_exclusive_group()
    cards.add_argument("--card", help=f"card JSON file (default: {DEFAULT_DEMO_CARD.name})")
    cards.add_argument("--empty", action="store_true", help="start with no card on the reader")
    sim.add_argument("--wire-timing", action="store_true", help="pace bytes at 115200 baud 8N1")
    sim.add_argument("--chip-time", type=float, default=0.0, metavar="S", help="per-command delay")
    sim.add_argument("--link", help="also make this path a symlink to the pseudo-terminal")
    sim.set_defaults(handler=cmd_simulate)


def _one_line(exc: IdCardError) -> str:
    detail = " ".join(str(exc).split())
    if detail and detail != exc.message_en:
        return f"{exc.message_en} ({detail})"
    return exc.message_en


def cmd_read(args: argparse.Namespace) -> int:
    port, baud = args.port, args.baud
    if port is None or baud is None:
        try:
            settings = load_settings(args.config)
        except ConfigError as exc:
            raise CliError(str(exc)) from None
        port = port or settings.reader.port
        baud = baud or settings.reader.baud
    if port == "simulator":
        raise CliError("no reader port: give --port (e.g. the path simulate-reader printed)")
    reader = IdCardReader(port, baud)
    try:
        card = reader.read_card(timeout_s=max(0.0, args.wait))
    except NoCard as exc:
        raise CliError(_one_line(exc), EXIT_NO_CARD) from None
    except IdCardError as exc:
        raise CliError(_one_line(exc)) from None
    finally:
        reader.close()
    if args.json:
        print(json.dumps(card.to_json(), ensure_ascii=False, indent=2))
    else:
        print(_summary(card))
    return 0


def _summary(card: CardData) -> str:
    """A check that the reader works, without putting the holder's identity on screen."""
    name = card.display_name
    rows = [
        ("card type", card.card_type.json_name),
        ("name", name[:1] + "*" * (len(name) - 1)),
        ("sex", card.sex),
        ("birth year", str(card.birth.year)),
        ("ID number", mask_id_number(card.id_number)),
        ("valid to", card.to_json()["valid_to"]),
        ("photo", f"{len(card.photo_wlt)} bytes (WLT)"),
        ("appended address", "yes" if card.appended_address else "no"),
    ]
    return "\n".join(f"{label:>16}: {value}" for label, value in rows) + "\n(--json for all fields)"


def cmd_simulate(args: argparse.Namespace) -> int:
    card = None
    if not args.empty:
        try:
            card = load_card(args.card or DEFAULT_DEMO_CARD)
        except IdCardError as exc:
            raise CliError(str(exc)) from None
    simulator = ReaderSimulator(card, wire_timing=args.wire_timing, chip_time_s=args.chip_time)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        path = simulator.start_pty(link=args.link)
        print(path, flush=True)
        while not done.wait(0.5):
            pass
    finally:
        simulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("simulated reader stopped", file=sys.stderr)
    return 0

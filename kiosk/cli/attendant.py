"""kiosk-admin attendant set-pin | audit show | audit verify."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from kiosk.cli import CliError
from kiosk.config import ConfigError, Settings, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("attendant", help="attendant PIN")
    sub = parser.add_subparsers(dest="attendant_command", required=True, metavar="ACTION")
    p = sub.add_parser("set-pin", help="set the attendant PIN (6-12 digits, asked on the tty)")
    p.add_argument("--role", default="attendant", choices=("attendant", "admin"))
    p.set_defaults(handler=cmd_set_pin)

    audit = subparsers.add_parser("audit", help="the append-only audit log")
    asub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    p = asub.add_parser("show", help="the newest entries (ID numbers only masked)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit_show)
    p = asub.add_parser(
        "verify", help="check the keyed chain and its anchors; exit 1 if it was tampered with")
    p.add_argument("--anchor", action="append", default=[], metavar="SEQ:MAC",
                   help="an anchor from the journal or the fleet (repeatable); the anchor "
                        "file in the data directory is always checked")
    p.set_defaults(handler=cmd_audit_verify)


def _store(args: argparse.Namespace) -> Any:
    from kiosk.cli.services import open_store

    try:
        settings: Settings = load_settings(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return open_store(settings)


def read_pin(prompt: str) -> str:
    """A PIN from the terminal without echo, or the first line of stdin when it is a pipe
    (scripts and tests)."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def cmd_set_pin(args: argparse.Namespace) -> int:
    pin = read_pin("new PIN: ")
    store = _store(args)
    try:
        store.credentials.set_pin(args.role, pin)
        store.audit.record("set_pin", "ok", detail=args.role, actor="admin")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    print(f"{args.role} PIN set")
    return 0


def cmd_audit_show(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        entries = store.audit.entries(args.limit)
    finally:
        store.close()
    rows = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "outcome": e.outcome, "id_masked": e.id_masked, "detail": e.detail}
            for e in reversed(entries)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['id']:>6} {r['at'][:19]} {r['actor']:<9} {r['action']:<20} "
                  f"{r['outcome']:<16} {r['id_masked']} {r['detail']}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kiosk.store.anchor import Anchor, AnchorError

    try:
        given = [Anchor.parse(value) for value in args.anchor]
    except AnchorError as exc:
        raise CliError(str(exc)) from None
    store = _store(args)
    try:
        try:
            stored = store.anchors.file.load()
        except AnchorError as exc:
            print(f"audit log NOT VERIFIED: {exc}")
            return 1
        anchors = given + ([stored] if stored is not None else [])
        report = store.audit.verify_chain(anchors)
        lost_beginning = store.audit.lost_beginning()
    finally:
        store.close()
    if not report.intact:
        print(f"audit log BROKEN: {report.problem}")
        return 1
    if not anchors and (report.entries or lost_beginning):
        # Without an anchor a deleted tail cannot show: say so instead of "intact". An empty
        # log is fresh only when the store holds no record that came with an audit line.
        print(f"audit log NOT VERIFIED: no anchor: truncation cannot be ruled out "
              f"({report.entries} entries chain correctly, {store.anchors.file.path} is "
              "missing); give --anchor SEQ:MAC from the journal")
        return 1
    legacy = f", {report.legacy_entries} before the key (unkeyed rule)" if (
        report.legacy_entries) else ""
    print(f"audit log intact: {report.entries} entries{legacy}, up to the anchored entry "
          f"{max((a.seq for a in anchors), default=0)}")
    return 0

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
                        "file and the journal's anchors are always checked")
    p.add_argument("--centre", action="store_true",
                   help="also ask the fleet's centre for the anchors it holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit_verify)


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _store(args: argparse.Namespace) -> Any:
    from kiosk.cli.services import open_store

    return open_store(_settings(args))


def centre_anchors(settings: Settings) -> Any:
    """The anchors the fleet's centre holds of this terminal's chain (a SourceRead). Asked
    for explicitly, a centre that cannot answer is a failure, not a note."""
    from kiosk.fleet_link.client import FleetClient, LinkDown, LinkRefused
    from kiosk.fleet_link.credential import load_credential
    from kiosk.store.anchor import Anchor
    from kiosk.store.anchor_check import SourceRead

    if settings.fleet is None:
        raise CliError("--centre: no [fleet] section in the config: this terminal reports to "
                       "no centre")
    fleet = settings.fleet
    try:
        credential = load_credential(settings.resolved_data_dir(), fleet.url)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if credential is None:
        raise CliError("--centre: not enrolled: run kiosk-admin fleet enrol first")
    with FleetClient(fleet.url, credential.terminal_id, credential.secret,
                     timeout_s=fleet.timeout_s, ca_file=fleet.ca_file) as client:
        try:
            answer = client.audit_anchors()
        except (LinkDown, LinkRefused) as exc:
            raise CliError(f"--centre: cannot ask the centre at {fleet.url}: {exc}") from None
    return SourceRead([
        Anchor(a.entry_count, a.head_hash, 0, a.occurred_at.isoformat(timespec="seconds"),
               answer.terminal_id, a.key_id) for a in answer.anchors],
        "" if answer.anchors else "holds no anchor of this terminal yet")


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
    from kiosk.store.anchor_check import SourceRead, comparable, compare, read_journal
    from kiosk.store.audit import AnchorPoint

    try:
        given = [Anchor.parse(value) for value in args.anchor]
    except AnchorError as exc:
        raise CliError(str(exc)) from None
    centre = centre_anchors(_settings(args)) if args.centre else None
    store = _store(args)
    try:
        try:
            stored = store.anchors.file.load()
        except AnchorError as exc:
            return _verify_outcome(args, False, f"NOT VERIFIED: {exc}", {})
        sources = {
            "given": SourceRead(given),
            "anchor file": SourceRead([stored] if stored is not None else [],
                                      "" if stored is not None else "missing"),
            "journal": read_journal(store.anchors.terminal_id,
                                   _settings(args).resolved_data_dir()),
            **({"centre": centre} if centre is not None else {}),
        }
        key_id = store.audit.key_id
        mine = [a for read in sources.values() for a in comparable(read.anchors, key_id)]
        # Anchors say where the keyed part starts, so old-rule rows cannot be faked after it.
        report = store.audit.verify_chain(
            [AnchorPoint(0, "", max((a.keyed_from for a in mine), default=0))])
        verdict = compare({name: read.anchors for name, read in sources.items()},
                          report.head_seq, store.audit.macs_at_many([a.seq for a in mine]),
                          key_id)
        lost_beginning = store.audit.lost_beginning()
        anchor_file = store.anchors.file.path
    finally:
        store.close()
    counts = _source_lines(sources, verdict)
    if not report.intact:
        return _verify_outcome(args, False, f"BROKEN: {report.problem}", counts,
                               report, verdict)
    if verdict.first is not None:
        return _verify_outcome(args, False, f"BROKEN: {verdict.first.sentence()}", counts,
                               report, verdict)
    if not mine and (report.entries or lost_beginning):
        # Without an anchor a deleted tail cannot show: say so instead of "intact". An empty
        # log is fresh only when the store holds no record that came with an audit line.
        return _verify_outcome(
            args, False, f"NOT VERIFIED: no anchor: truncation cannot be ruled out "
            f"({report.entries} entries chain correctly, {anchor_file} is missing and the "
            "journal has none); give --anchor SEQ:MAC", counts, report, verdict)
    legacy = f", {report.legacy_entries} before the key (unkeyed rule)" if (
        report.legacy_entries) else ""
    return _verify_outcome(
        args, True, f"intact: {report.entries} entries{legacy}, up to the anchored entry "
        f"{max((a.seq for a in mine), default=0)}", counts, report, verdict)


def _source_lines(sources: dict[str, Any], verdict: Any) -> dict[str, dict[str, Any]]:
    return {name: {"checked": verdict.checked.get(name, 0),
                   "other_key": verdict.other_key.get(name, 0),
                   "unreadable": read.unreadable, "other_writer": read.other_writer,
                   "note": read.note}
            for name, read in sources.items()}


def _verify_outcome(args: argparse.Namespace, intact: bool, summary: str,
                    sources: dict[str, dict[str, Any]], report: Any = None,
                    verdict: Any = None) -> int:
    first = verdict.first if verdict is not None else None
    if args.json:
        print(json.dumps({
            "intact": intact, "summary": f"audit log {summary}",
            "entries": report.entries if report else None,
            "head_seq": report.head_seq if report else None,
            "sources": sources,
            "first_disagreement": None if first is None else {
                "source": first.source, "seq": first.anchor.seq, "mac": first.anchor.mac,
                "taken_at": first.anchor.at, "why": first.why},
            "disagreements": len(verdict.disagreements) if verdict is not None else 0,
        }, ensure_ascii=False, indent=2))
        return 0 if intact else 1
    print(f"audit log {summary}")
    for name, row in sources.items():
        if name == "given" and not row["checked"] and not row["other_key"]:
            continue
        extra = [row["note"]] if row["note"] and not row["checked"] else []
        if row["other_key"]:
            extra.append(f"{row['other_key']} of another audit key not comparable "
                         "(a reinstalled terminal's earlier chain?)")
        if row["unreadable"]:
            extra.append(f"{row['unreadable']} unreadable")
        if row["other_writer"]:
            extra.append(f"{row['other_writer']} written by another user ignored")
        tail = f" ({'; '.join(extra)})" if extra else ""
        print(f"  {name}: {row['checked']} anchor(s) checked{tail}")
    if verdict is not None and len(verdict.disagreements) > 1:
        print(f"  {len(verdict.disagreements)} anchors disagree in all")
    return 0 if intact else 1

"""kiosk-admin fleet enrol | status | sync: this terminal's link to the fleet's centre."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from kiosk.cli import CliError
from kiosk.cli.services import _settings, open_store
from kiosk.config import FleetSettings, Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("fleet", help="the central service this terminal reports to")
    sub = parser.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")

    p = sub.add_parser("enrol", help="enrol with the one-time token from the centre")
    p.add_argument("--token-env", metavar="VAR",
                   help="environment variable holding the token (default: [fleet] "
                   "enrol_token_env)")
    p.set_defaults(handler=cmd_enrol)

    p = sub.add_parser("status", help="enrolment, outbox and applied configuration")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("sync", help="send the outbox now, until it is empty")
    p.add_argument("--max-failures", type=int, default=5, metavar="N",
                   help="give up after N failed attempts in a row (default 5)")
    p.set_defaults(handler=cmd_sync)


def _fleet(settings: Settings) -> FleetSettings:
    if settings.fleet is None:
        raise CliError("no [fleet] section in the config: this terminal runs on its own")
    return settings.fleet


def cmd_enrol(args: argparse.Namespace) -> int:
    from fleet.protocol import EnrolRequest
    from kiosk.fleet_link.client import FleetClient, LinkDown, LinkRefused
    from kiosk.fleet_link.credential import FleetCredential, save_credential
    from kiosk.fleet_link.link import app_version

    settings = _settings(args)
    fleet = _fleet(settings)
    variable = args.token_env or fleet.enrol_token_env
    token = os.environ.get(variable, "").strip()
    if not token:
        raise CliError(f"environment variable {variable} holds no enrolment token "
                       "(fleet-admin terminal add prints one)")
    terminal_id = settings.terminal_id
    try:
        request = EnrolRequest(terminal_id=terminal_id, token=token, app_version=app_version())
    except ValueError:
        raise CliError(f"the token in {variable} is not an enrolment token") from None
    with FleetClient(fleet.url, terminal_id, timeout_s=fleet.timeout_s,
                     ca_file=fleet.ca_file) as client:
        try:
            answer = client.enrol(request)
        except LinkDown as exc:
            raise CliError(f"cannot reach the centre at {fleet.url}: {exc}") from None
        except LinkRefused as exc:
            raise CliError(f"enrolment refused: {exc}") from None
    data_dir = settings.resolved_data_dir()
    path = save_credential(data_dir, FleetCredential(
        answer.terminal_id, answer.secret, answer.group, fleet.url, answer.verify_url))
    print(f"enrolled {answer.terminal_id} in group {answer.group!r} at {fleet.url}; "
          f"credential in {path}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.fleet_link.config_sync import FILE_NAME as CONFIG_FILE
    from kiosk.fleet_link.credential import load_credential

    settings = _settings(args)
    fleet = _fleet(settings)
    data_dir = settings.resolved_data_dir()
    try:
        credential = load_credential(data_dir, fleet.url)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    store = open_store(settings)
    try:
        outbox = store.outbox
        length, oldest, last = outbox.length(), outbox.oldest(), outbox.last_seq()
    finally:
        store.close()
    config_hash = ""
    kept = data_dir / CONFIG_FILE
    if kept.exists():
        from fleet.protocol import ConfigDocument
        from fleet.protocol import config_hash as hash_of

        config_hash = hash_of(ConfigDocument.model_validate_json(kept.read_bytes()))
    report = {
        "url": fleet.url, "terminal_id": settings.terminal_id,
        "enrolled": credential is not None, "group": credential.group if credential else "",
        "outbox_length": length, "outbox_oldest_at": oldest.isoformat() if oldest else None,
        "last_seq": last, "config_hash": config_hash,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        state = f"enrolled (group {report['group']})" if credential else "NOT enrolled"
        print(f"{report['terminal_id']} at {fleet.url}: {state}")
        print(f"outbox: {length} waiting, {last} made in all")
        print(f"configuration: {config_hash[:12] or 'none pulled yet'}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.fleet_link.client import FleetClient
    from kiosk.fleet_link.credential import load_credential
    from kiosk.fleet_link.sender import OutboxSender

    settings = _settings(args)
    fleet = _fleet(settings)
    credential = load_credential(settings.resolved_data_dir(), fleet.url)
    if credential is None:
        raise CliError("not enrolled: run kiosk-admin fleet enrol first")
    store = open_store(settings)
    try:
        with FleetClient(fleet.url, credential.terminal_id, credential.secret,
                         timeout_s=fleet.timeout_s, ca_file=fleet.ca_file) as client:
            sender = OutboxSender(store.outbox, client, credential.terminal_id,
                                  batch_size=fleet.batch_size)
            delivered = sender.drain(max_failures=max(1, args.max_failures))
            left = store.outbox.length()
    finally:
        store.close()
    print(f"delivered {delivered}, {left} waiting")
    if sender.problem:
        print(sender.problem)
    return 0 if left == 0 else 1

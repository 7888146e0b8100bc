"""kiosk-admin services: list, enable/disable, validate and try the catalog's services."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.cli import CliError
from kiosk.config import ConfigError, Settings, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("services", help="the service catalog")
    sub = parser.add_subparsers(dest="services_command", required=True, metavar="ACTION")

    p = sub.add_parser("list", help="list every service")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--format", choices=("text", "json", "pdf"), default=None,
                   help="pdf: the public list of enabled services for the notice board")
    p.add_argument("--out", type=Path, help="the PDF file to write (with --format pdf)")
    p.set_defaults(handler=cmd_list)

    for name, enabled in (("enable", True), ("disable", False)):
        p = sub.add_parser(name, help=f"{name} a service on this terminal")
        p.add_argument("id", metavar="ID")
        p.set_defaults(handler=cmd_switch, enabled=enabled)

    p = sub.add_parser("validate", help="check every catalog data file")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("try", help="run one query against the configured back-end")
    p.add_argument("id", metavar="ID")
    p.add_argument("--id-number", required=True,
                   help="the person to query; outside demo mode the admin PIN is asked")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="an input of the service; required inputs default to their example")
    p.add_argument("--at", help="query time (ISO, e.g. 2026-05-04T10:00); default now")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=cmd_try)


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def open_store(settings: Settings) -> Any:
    """The terminal's store (audit log, registry, credentials), with the configured lockout.
    Outside demo mode a data dir the demo used first loses the demo's PINs, keys and data."""
    from kiosk.cli.data_owner import act_as_data_dir_owner
    from kiosk.data_mode import claim_data_dir
    from kiosk.store.keys import TerminalKeyError

    act_as_data_dir_owner(settings.resolved_data_dir())
    try:
        claim_data_dir(settings)
        return _open_store(settings)
    except (ConfigError, TerminalKeyError) as exc:
        raise CliError(str(exc)) from None


def _open_store(settings: Settings) -> Any:
    from kiosk.store import Store

    return Store.open(
        settings.resolved_database_url(),
        settings.resolved_data_dir(),
        settings.terminal_id,
        key_env=settings.audit_key_env,
        pin_max_failures=settings.attendant.max_failures,
        pin_lockout=timedelta(seconds=settings.attendant.lockout_s),
        fleet_outbox=settings.fleet is not None,
        create_key=settings.demo,
        connect_timeout_s=settings.database_connect_timeout_s,
    )


def _catalog(settings: Settings) -> Any:
    """The catalog with the config file's switches (validate, try, the demo's issue)."""
    from services_catalog.catalog import load_catalog

    return load_catalog(
        settings.services.extra_catalog_dirs, overrides=settings.service_enabled_override
    )


def _offered_catalog(settings: Settings) -> Any:
    """The catalog as this terminal offers it: the admin's switches (the switch file in the
    data dir) and a fleet's kept configuration over the config file's."""
    from kiosk.service_switches import layered_settings

    try:
        return _catalog(layered_settings(settings))
    except ConfigError as exc:
        raise CliError(f"{exc} (remove the file to go back to the config file's switches)") \
            from None


def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    catalog = _offered_catalog(settings)
    form = args.format or ("json" if args.json else "text")
    if form == "pdf":
        return _write_public_list(settings, catalog, args.out)
    if args.out is not None:
        raise CliError("--out is for --format pdf")
    rows = [
        {
            "id": s.id,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "category": s.category.value,
            "agency": s.agency_zh,
            "enabled": s.enabled,
            "printable": s.printable,
            "auth": s.auth.value,
        }
        for s in catalog.services
    ]
    if form == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            flag = "on " if row["enabled"] else "off"
            printable = "print" if row["printable"] else "     "
            print(f"{flag} {printable} {row['auth']:<9} {row['id']:<48} {row['name_zh']}")
        print(f"{len(rows)} services, {sum(r['enabled'] for r in rows)} enabled")
    return 0


def _write_public_list(settings: Settings, catalog: Any, out: Path | None) -> int:
    """The notice-board list: the enabled services, by category, with agency, hours, phone."""
    from kiosk.public_list import load_agency_phones, public_list
    from kiosk.public_list_pdf import render_public_list
    from printing.errors import FontNotFound

    if out is None:
        raise CliError("--format pdf needs --out FILE.pdf")
    groups = public_list(catalog.services, load_agency_phones())
    try:
        pdf = render_public_list(
            groups, hall_name_zh=settings.hall_name_zh, hall_name_en=settings.hall_name_en,
            hall_phone=settings.hall_phone, terminal_id=settings.terminal_id,
            today=datetime.now().date(),
        )
    except FontNotFound as exc:
        raise CliError(str(exc)) from None
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}") from None
    count = sum(len(g.services) for g in groups)
    print(f"{out}: {count} enabled services")
    return 0


def cmd_switch(args: argparse.Namespace) -> int:
    from kiosk.service_switches import refuse_unservable
    from kiosk.switch_file import BrokenSwitchFile, switch_file_path, write_switch

    settings = _settings(args)
    if args.id not in _catalog(settings):
        raise CliError(f"no service with id {args.id!r} (see: kiosk-admin services list)")
    if args.enabled:
        try:
            refuse_unservable(settings, args.id)
        except ConfigError as exc:
            raise CliError(str(exc)) from None
    who = _who()  # before the store makes root the data dir's owner: it is root who switched
    # The store first: it makes root the data dir's owner (kiosk.cli.data_owner), and a
    # switch must never be in force without its audit line.
    store = open_store(settings)
    path = switch_file_path(settings)
    try:
        try:
            write_switch(path, args.id, args.enabled)
        except BrokenSwitchFile as exc:  # switching over it would drop the switches it holds
            raise CliError(f"{exc} (remove the file to go back to the config file's switches, "
                           "then switch again)") from None
        except ConfigError as exc:  # it names the file already
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot update {path}: {exc}") from None
        try:
            store.audit.record("service_switch", "on" if args.enabled else "off",
                               actor="admin", detail=f"{args.id} by {who}")
        except Exception as exc:
            raise CliError(f"switched in {path}, but the audit log could not be written: "
                           f"{type(exc).__name__}") from None
    finally:
        store.close()
    # A running terminal watching this file applies it within seconds (kiosk.config_watch).
    print(f"{args.id}: {'enabled' if args.enabled else 'disabled'} on this terminal ({path})")
    offered = _offered_catalog(settings).get(args.id)
    if offered is not None and offered.enabled != args.enabled:
        print(f"{args.id}: the centre's configuration keeps it "
              f"{'on' if offered.enabled else 'off'} for now")
    return 0


def _who() -> str:
    """The admin behind the command, for the audit line: sudo's caller, else the account."""
    import getpass

    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no USER in the environment and no account for the uid
        return f"uid {os.getuid()}"


def cmd_validate(args: argparse.Namespace) -> int:
    from services_catalog.registry import discover_adapters

    settings = _settings(args)
    catalog = _catalog(settings)
    problems = [str(p) for p in catalog.problems]
    families = discover_adapters()
    for service in catalog.services:
        if service.adapter not in families:
            problems.append(f"{service.id}: field 'adapter': no adapter plugin {service.adapter!r}")
    for line in problems:
        print(line)
    if problems:
        raise CliError(f"{len(problems)} problem(s) in the catalog", exit_code=1)
    print(f"catalog OK: {len(catalog.services)} services")
    return 0


@contextmanager
def _gateway(settings: Settings, catalog: Any, family: str) -> Iterator[Any]:
    from services_catalog.registry import DEMO, QueryGateway, build_adapters

    backend = settings.backend(family)
    demo = None
    if backend.base_url == DEMO:
        if not settings.demo:
            raise CliError(f"back-end {family!r} is 'demo' but this terminal is not in demo mode")
        from services_catalog.demo_backend import DemoBackend

        demo = DemoBackend()
        demo.start()
    try:
        adapters = build_adapters(
            {family: backend}, families=[family], demo_base_url=demo.base_url if demo else None
        )
        gateway = QueryGateway(catalog, adapters)
        try:
            yield gateway
        finally:
            gateway.close()
    finally:
        if demo is not None:
            demo.stop()


def cmd_try(args: argparse.Namespace) -> int:
    from services_catalog.errors import AdapterError
    from services_catalog.model import AuthenticatedPerson, is_holder_number

    settings = _settings(args)
    catalog = _catalog(settings)
    service = catalog.get(args.id)
    if service is None:
        raise CliError(f"no service with id {args.id!r} (see: kiosk-admin services list)")
    id_number = args.id_number.strip().upper()
    if not is_holder_number(id_number):
        raise CliError("--id-number is not the number of an accepted card (resident ID card, "
                       "residence permit, foreign permanent resident ID card)")
    inputs = _inputs(args.input, service)
    try:
        now = datetime.fromisoformat(args.at) if args.at else datetime.now()
    except ValueError:
        raise CliError(f"--at {args.at!r} is not an ISO date-time") from None
    # An admin test query stands in for a citizen who has passed card and face checks.
    person = AuthenticatedPerson(id_number=id_number, name="", face_verified=True)
    store = open_store(settings)
    try:
        if not settings.demo:
            _require_admin(store, person, service.id)
            # Outside demo mode this reaches a real agency system: it is an admin's test query.
            print("warning: not in demo mode; this query reaches the configured agency back-end",
                  file=sys.stderr)
        with _gateway(settings, catalog, service.adapter) as gateway:
            try:
                result = gateway.query(service, person, inputs, now)
            except AdapterError as exc:
                store.audit.record("service_try", type(exc).__name__, person, service.id,
                                   actor="admin")
                raise CliError(f"{type(exc).__name__}: {exc.message_en} ({exc.detail})") from None
        outcome = "ok" if result.record_found else "no_record"
        store.audit.record("service_try", outcome, person, service.id, actor="admin")
    finally:
        store.close()
    body = {
        "service_id": result.service_id,
        "record_found": result.record_found,
        "values": dict(result.values),
        "tables": {k: list(v) for k, v in result.tables.items()},
        "backend_reference": result.backend_reference,
        "data_as_of": result.data_as_of,
    }
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2, default=_json_default))
        return 0
    print(f"{service.name_zh} / {service.name_en}")
    if not result.record_found:
        print("  (no record / 无记录)")
    labels = {f.key: f for f in service.result_fields}
    for key, value in result.values.items():
        print(f"  {labels[key].label_zh}: {value}")
    for key, rows in result.tables.items():
        spec = labels[key]
        print(f"  {spec.label_zh} ({len(rows)} rows)")
        for row in rows:
            print("    " + " | ".join(str(row[c.key]) for c in spec.columns))
    return 0


def _require_admin(store: Any, person: Any, service_id: str) -> None:
    """Outside demo mode a test query needs the admin PIN; a refusal is audited too."""
    from kiosk.cli.attendant import read_pin

    if not store.credentials.has("admin"):
        store.audit.record("service_try", "no_admin_pin", person, service_id, actor="admin")
        raise CliError("outside demo mode services try needs the admin PIN, and none is set "
                       "(kiosk-admin attendant set-pin --role admin)")
    check = store.credentials.verify("admin", read_pin("admin PIN: "))
    if check.ok:
        return
    if check.locked_until is not None:
        store.audit.record("service_try", "locked", person, service_id, actor="admin")
        until = check.locked_until.astimezone().strftime("%H:%M")
        raise CliError(f"admin PIN locked after too many wrong tries; try again after {until}")
    store.audit.record("service_try", "wrong_pin", person, service_id, actor="admin")
    raise CliError(f"wrong admin PIN ({check.failures_left} tries left before a lockout)")


def _inputs(pairs: list[str], service: Any) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CliError(f"--input {pair!r}: expected KEY=VALUE")
        inputs[key.strip()] = value
    for spec in service.inputs:
        if spec.key not in inputs and spec.required and spec.default is None and spec.example:
            inputs[spec.key] = spec.example
    return inputs


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

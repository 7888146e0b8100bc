"""kiosk-admin certificate issue | verify: the certificate engine from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.cli import CliError
from kiosk.cli.services import _catalog, _gateway, _inputs, _settings, open_store
from kiosk.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("certificate", help="issue or verify sealed certificates")
    sub = parser.add_subparsers(dest="certificate_command", required=True, metavar="ACTION")

    p = sub.add_parser("issue", help="query a printable service and write its sealed PDF")
    p.add_argument("--service", required=True, help="service id (see: services list)")
    p.add_argument("--id-number", required=True, help="the holder's resident ID number")
    p.add_argument("--name", help="the holder's name (demo persons are known by number); "
                   "like the command itself, demo mode only")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", required=True, type=Path, help="where to write the PDF")
    p.add_argument("--at", help="query time (ISO, e.g. 2026-05-04T10:00); default now")
    p.set_defaults(handler=cmd_issue)

    p = sub.add_parser("verify", help="check a certificate's seal, trust chain and registry")
    p.add_argument("pdf", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--at", metavar="DATE",
                   help="check as of this date (ISO, e.g. 2035-06-01) from what the file "
                        "carries only: time stamps and embedded revocation data, no network")
    p.set_defaults(handler=cmd_verify)


def _holder_name(id_number: str, name: str | None) -> str:
    if name:
        return name
    from devices.idcard.simulator import demo_cards

    for card in demo_cards().values():
        if card.id_number == id_number:
            return card.name
    raise CliError("--name is needed for a holder who is not a demo person")


def cmd_issue(args: argparse.Namespace) -> int:
    from kiosk.parts import build_issuer
    from printing.errors import CertificateError
    from services_catalog.errors import AdapterError
    from services_catalog.model import AuthenticatedPerson, is_holder_number

    settings = _settings(args)
    if not settings.demo:
        # A certificate goes to a card holder standing at the terminal; this is a test tool.
        raise CliError("certificate issue is a demo and test tool: refused outside demo mode "
                       "(certificates are issued to a card holder at the terminal)")
    catalog = _catalog(settings)
    service = catalog.get(args.service)
    if service is None:
        raise CliError(f"no service with id {args.service!r} (see: kiosk-admin services list)")
    if not service.printable:
        raise CliError(f"{service.id} ({service.name_zh}) does not issue a certificate")
    id_number = args.id_number.strip().upper()
    if not is_holder_number(id_number):
        raise CliError("--id-number is not the number of an accepted card (resident ID card, "
                       "residence permit, foreign permanent resident ID card)")
    # The admin stands in for a citizen who passed the card and face checks at the terminal.
    person = AuthenticatedPerson(id_number, _holder_name(id_number, args.name), True)
    try:
        now = datetime.fromisoformat(args.at) if args.at else datetime.now()
    except ValueError:
        raise CliError(f"--at {args.at!r} is not an ISO date-time") from None
    inputs = _inputs(args.input, service)
    # Claim the output file before anything is issued: a certificate recorded and audited
    # but never written anywhere would be a phantom in the registry.
    out, existed = _open_output(args.out)
    written = False
    try:
        with _gateway(settings, catalog, service.adapter) as gateway:
            try:
                result = gateway.query(service, person, inputs, now)
            except AdapterError as exc:
                raise CliError(f"{type(exc).__name__}: {exc.message_en}") from None
        from kiosk.seals import build_seals

        store = open_store(settings)
        seals = None
        try:
            seals = build_seals(settings, settings.resolved_data_dir())
            issue, _root = build_issuer(settings, store, settings.resolved_data_dir(), seals)
            try:
                issued = issue(service, person, result)
            except CertificateError as exc:
                raise CliError(f"{type(exc).__name__}: {exc.message_en}") from None
            # Registered and audited in one transaction; no print job (it goes to a file).
            store.issuance.record_issue(issued.registry_entry, "", None, person, actor="admin")
        finally:
            if seals is not None:
                seals.stop()
            store.close()
        try:
            out.truncate(0)
            out.write(issued.pdf)
            out.flush()
            written = True
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc} (certificate "
                           f"{issued.verification_code} was issued)") from None
    finally:
        out.close()
        if not written and not existed:
            args.out.unlink(missing_ok=True)
    # The code stays the last word: scripts read it from there.
    print(f"{args.out}: {service.name_zh}, seal {issued.seal_level}, "
          f"verification code {issued.verification_code}")
    return 0


def _open_output(path: Path) -> tuple[BinaryIO, bool]:
    """Open `path` for writing without truncating it yet; (file, whether it existed)."""
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("ab"), existed
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def trust_roots(settings: Settings) -> list[Path]:
    roots = list(settings.certificates.trust_roots)
    if settings.demo:
        from printing.demo_pki import ensure_demo_pki
        from services_catalog.catalog import load_seals

        seals = {sid: (info.name_zh, info.name_en) for sid, info in load_seals().items()}
        pki = ensure_demo_pki(settings.resolved_data_dir() / "demo-pki", seals)
        roots.append(pki.root_certificate_path)
    return roots


def cmd_verify(args: argparse.Namespace) -> int:
    from printing.verify import verify_certificate

    settings = _settings(args)
    try:
        pdf = args.pdf.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.pdf}: {exc.strerror}") from None
    roots = trust_roots(settings)
    if not roots:
        raise CliError("no trust roots configured ([certificates] trust_roots)")
    from kiosk.preflight import TrustRootError, read_trust_roots

    try:
        read_trust_roots(roots)  # a missing or garbage root file: one line, before anything
    except TrustRootError as exc:
        raise CliError(str(exc)) from None
    if args.at:
        return _verify_at(args, pdf, roots)
    store = open_store(settings)
    try:
        registry, close_link = _registry(settings, store)
        try:
            report = _with_revocation(verify_certificate(pdf, roots, registry), registry)
        finally:
            close_link()
        store.audit.record("certificate_verify", "valid" if report.valid else "invalid",
                           detail=args.pdf.name[:200], actor="admin")
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(report.summary("zh"))
        print(report.summary("en"))
    return 0 if report.valid else 1


def _registry(settings: Settings, store: Any) -> tuple[Any, Any]:
    """The registry to ask, and how to close it: with a fleet, the centre first."""
    if settings.fleet is None:
        return store.certificates, lambda: None
    from kiosk.fleet_link.client import FleetClient
    from kiosk.fleet_link.credential import load_credential
    from kiosk.fleet_link.registry import CentralFirstRegistry

    fleet = settings.fleet
    try:
        credential = load_credential(settings.resolved_data_dir(), fleet.url)
    except ValueError as exc:
        credential = None
        print(f"{exc}; asking the local registry only", file=sys.stderr)
    if credential is None:
        print("not enrolled with the fleet: asking the local registry only", file=sys.stderr)
        return store.certificates, lambda: None
    client = FleetClient(fleet.url, credential.terminal_id, credential.secret,
                         timeout_s=min(fleet.timeout_s, 5.0), ca_file=fleet.ca_file)
    return CentralFirstRegistry(lambda: client, store.certificates), client.close


def _with_revocation(report: Any, registry: Any) -> Any:
    """A certificate the centre revoked is not valid, whatever its seal says."""
    import dataclasses

    from printing.verify import Problem

    revocation = getattr(registry, "revocation", None)
    found = revocation(report.verification_code) \
        if callable(revocation) and report.verification_code else None
    if found is None:
        return report
    reason = found.revoked_reason or "-"
    problem = Problem("revoked", f"该证明已被撤销（{reason}）。",
                      f"The certificate has been revoked ({reason}).")
    return dataclasses.replace(report, valid=False, problems=(*report.problems, problem))


def _verify_at(args: argparse.Namespace, pdf: bytes, roots: list[Path]) -> int:
    """Long-term validation as of --at: the file alone, network off (printing.ltv)."""
    import logging

    from printing.ltv import parse_moment, verify_at
    from printing.verify import _asn1_roots

    # pyHanko logs every failed check with a traceback; the report below says why, plainly.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.ERROR)

    try:
        moment = parse_moment(args.at)
    except ValueError:
        raise CliError(f"--at {args.at!r} is not an ISO date (e.g. 2035-06-01)") from None
    try:
        report = verify_at(pdf, _asn1_roots(roots), moment)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot check {args.pdf}: {exc}") from None
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        data = report.to_dict()
        proven = data["proven_time"] or "-"
        print(f"{data['message_zh']} {data['message_en']}")
        print(f"as of {moment:%Y-%m-%d %H:%M} UTC · level {report.level} · sealed at {proven}")
    return 0 if report.valid else 1

"""kiosk-admin devices status: ask every configured device how it is, the same way.

Run it while the terminal is stopped (the card reader's serial port serves one program).
With the simulator settings it starts the simulators, which shows the command's output shape.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from kiosk.cli import CliError
from kiosk.config import ConfigError, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("devices", help="device health")
    sub = parser.add_subparsers(dest="devices_command", required=True, metavar="ACTION")
    p = sub.add_parser("status", help="status of the reader, camera and printer")
    p.add_argument("--json", action="store_true")
    p.add_argument("--wait", type=float, default=3.0, help="seconds to let devices settle")
    p.set_defaults(handler=cmd_status)


def _settled(publishers: list[Any], wait_s: float) -> None:
    from devices.status import DeviceState

    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        if all(p.status.state is not DeviceState.STARTING for p in publishers):
            return
        time.sleep(0.1)


def cmd_status(args: argparse.Namespace) -> int:
    from devices.idcard.reader import IdCardReader
    from kiosk.parts import build_camera, build_printer

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    stoppers: list[Any] = []
    try:
        port = settings.reader.port
        if port == "simulator":
            from devices.idcard.simulator import ReaderSimulator

            sim = ReaderSimulator()
            port = sim.start_pty()
            stoppers.append(sim.stop)
        reader = IdCardReader(port, settings.reader.baud, armed=False)
        camera, _detector = build_camera(settings, simulate=False)
        printer = build_printer(settings, settings.resolved_data_dir())
        for device in (reader, camera, printer):
            device.start() if hasattr(device, "start") else None
            stoppers.append(device.stop) if hasattr(device, "stop") else None
        printer.status()
        publishers = [reader.status_publisher, camera.publisher, printer.status_publisher]
        _settled(publishers, args.wait)
        statuses = [p.status for p in publishers]
    finally:
        for stop in reversed(stoppers):
            try:
                stop()
            except Exception:  # noqa: BLE001 - a status report must still print
                pass
    required = {"idcard_reader": settings.reader.required, "camera": settings.camera.required,
                "printer": settings.printer.required, "seal": True}
    seal_row, checks = _seal_status(settings)
    rows = []
    for status in [*statuses, seal_row]:
        row = status.to_json()
        row["required"] = required.get(row["device"], False)
        rows.append(row)
    rows[-1]["checks"] = [c.to_json() for c in checks]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            mark = "ok " if row["ready"] else "!! "
            extra = f" paper={row['paper']}" if "paper" in row else ""
            print(f"{mark}{row['device']:<15} {row['state']:<15}{extra} {row['detail']}")
        for check in rows[-1]["checks"]:
            mark = {"ok": "ok ", "warn": "?? ", "fail": "!! "}[check["outcome"]]
            print(f"   {mark}{check['name']:<30} {check['detail']}")
    serving = all(r["ready"] or not r["required"] for r in rows)
    return 0 if serving else 1


def _seal_status(settings: Any) -> tuple[Any, list[Any]]:
    """The seals as one more device: token, PIN, certificates and their expiry."""
    from kiosk.seals import (
        SealCheck,
        build_seals,
        printable_seal_ids,
        seal_checks,
        seal_device_status,
    )
    from printing.errors import CertificateError
    from services_catalog.catalog import load_catalog

    try:
        catalog = load_catalog(settings.services.extra_catalog_dirs,
                               settings.service_enabled_override)
        seal_ids = printable_seal_ids(catalog)
    except Exception:  # noqa: BLE001 - every seal of the config is checked instead
        seal_ids = sorted(settings.seals)
    try:
        setup = build_seals(settings, settings.resolved_data_dir())
    except CertificateError as exc:
        checks = [SealCheck("seal_token", "fail", exc.detail or exc.message_en)]
        return seal_device_status(checks), checks
    try:
        checks = seal_checks(setup, settings, seal_ids)
    finally:
        setup.stop()
    return seal_device_status(checks), checks

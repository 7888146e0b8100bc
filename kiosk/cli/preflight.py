"""kiosk-admin preflight: every start-up check; exit 0 only when the terminal can serve.

Run it while the terminal is stopped (the card reader's serial port serves one program), e.g.
after changing the config or a seal key, before `systemctl start kiosk`.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from kiosk.config import ConfigError, load_settings


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "preflight", help="run every start-up check",
        description="Run every start-up check (config, data dir, database, keys, seals, trust "
        "roots, time-stamping authority, printer, reader, camera). Exit 0 when all pass; "
        "otherwise 1, with one line per failure.",
    )
    p.add_argument("--json", action="store_true",
                   help='print {"ok": bool, "checks": [{"name", "ok", "problems"}]}')
    p.add_argument("--no-devices", action="store_true",
                   help="skip the time-stamping authority, printer, reader and camera probes")
    p.set_defaults(handler=cmd_preflight)


def cmd_preflight(args: argparse.Namespace) -> int:
    from kiosk.preflight import CHECKS, Finding, Preflight, run_checks

    # Drivers log what they find as warnings; here each problem is said once, in its line.
    logging.disable(logging.WARNING)
    names = [c.name for c in CHECKS if not (c.device and args.no_devices)]
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        findings = [Finding("config", str(exc))]
        names = ["config"]  # nothing else can be judged without a config
    else:
        findings = run_checks(Preflight(settings), devices=not args.no_devices)
    blocking = [f for f in findings if f.blocking]
    if args.json:
        checks = [{"name": name, "ok": not any(f.check == name for f in findings),
                   "blocking": not any(f.check == name and not f.blocking for f in findings),
                   "problems": [f.problem for f in findings if f.check == name]}
                  for name in names]
        print(json.dumps({"ok": not blocking, "checks": checks}, ensure_ascii=False, indent=2))
    else:
        for finding in findings:  # a warning: the terminal serves anyway
            print(str(finding) if finding.blocking else f"warning: {finding}")
        if not blocking:
            print(f"preflight OK: {', '.join(names)}")
    return 1 if blocking else 0

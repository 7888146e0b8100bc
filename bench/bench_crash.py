"""Crash consistency: a seeded run of kill -9 during issue-and-print, restart, and a count.

A real subprocess runs the certificate desk against SQLite (sealed demo certificates, kept
encrypted, printed to a PDF-directory sink) and is killed with SIGKILL at seeded random moments,
KILLS times (the first time inside the issue transaction itself, before its commit). The
restarted store then counts certificates registered vs kept vs printed: the difference (a
certificate neither kept nor printed nor audited, or a job or a printed page without a
registered certificate) must be 0. Prints one JSON object per figure.

    python bench/bench_crash.py [KILLS] [SEED]     # defaults: 30, 2026
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.kiosk.crash_desk import crash_series  # noqa: E402


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def main() -> None:
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    started = time.monotonic()
    counts = crash_series(kills, seed)
    emit("crash_kills", counts.kills, "kills")
    emit("crash_certificates_registered", counts.registered, "certificates")
    emit("crash_certificates_kept", counts.kept, "certificates")
    emit("crash_certificates_printed", counts.printed, "certificates")
    emit("crash_certificates_audited", counts.audited, "certificates")
    emit("crash_pages_out", counts.paper, "pages")
    # Pages that came out while their job was still kept (killed between the printer's
    # answer and the commit): the attendant's reprint list shows them; never a certificate.
    emit("crash_pages_out_job_still_kept", counts.paper - counts.printed, "pages")
    emit("crash_audit_chain_intact", int(counts.chain_intact), "bool")
    emit("crash_difference", counts.difference, "certificates")
    emit("crash_run_time", round(time.monotonic() - started, 1), "s")
    if counts.difference:
        sys.exit(1)


if __name__ == "__main__":
    main()

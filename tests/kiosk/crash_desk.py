"""Crash consistency of the certificate desk: a real process issuing and printing certificates
against SQLite, killed with SIGKILL at random moments, restarted, and counted.

`python -m tests.kiosk.crash_desk DATA_DIR RUN [DIE_AT]` is the worker: it opens the store in
DATA_DIR and issues, keeps and prints sealed demo certificates to a PDF-directory sink in a
loop, until it is killed (with DIE_AT, it kills itself inside the issue transaction of its
DIE_AT-th certificate, after every insert and before the commit: the worst instant).
`crash_series(kills, seed)` drives it and returns the counts: every registered
certificate must be kept or printed and audited, and every job must belong to a registered
certificate, whatever instant the kill hit. Used by bench/bench_crash.py (30+ kills) and by a
short test (3 kills).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TERMINAL = "CRASH-0001"


def _worker(data_dir: Path, run: int, die_at: int = 0) -> None:
    from devices.printer.deadline import DeadlinePrinter
    from devices.printer.pdf_dir import PdfDirectoryPrinter
    from kiosk.certificates import CertificateDesk
    from kiosk.store import Store
    from printing.demo_pki import ensure_demo_pki
    from printing.issue import CertificateIssuer, CertificateRequest
    from printing.samples import DEMO_PERSON, SEALS, SERVICES, sample_result
    from printing.signer import SealKeyring

    store = Store.open(f"sqlite:///{data_dir / 'kiosk.sqlite3'}", data_dir, TERMINAL)
    issuer = CertificateIssuer(SealKeyring.demo(ensure_demo_pki(data_dir / "pki", SEALS)),
                               holder_id_key=store.keys.derive("id-hash"))
    service = SERVICES["real_estate"]
    result = sample_result("real_estate")

    def issue(service, person, result):  # type: ignore[no-untyped-def]
        return issuer.prepare(CertificateRequest(service, person, result, TERMINAL,
                                                 "http://127.0.0.1:8780/verify", demo=True))

    def die_before_commit(session, record) -> None:  # type: ignore[no-untyped-def]
        if n == die_at:
            os.kill(os.getpid(), signal.SIGKILL)

    store.issuance.hooks.append(die_before_commit)
    desk = CertificateDesk(issuer=issue, issuance=store.issuance,
                           printer=DeadlinePrinter(PdfDirectoryPrinter(data_dir / "printed")))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        desk.issue_and_print(service, DEMO_PERSON, result, f"run{run}.{n}")


@dataclass(frozen=True)
class CrashCounts:
    kills: int
    registered: int  # certificates in the registry
    kept: int  # jobs not printed, document kept (encrypted) for a reprint
    printed: int  # jobs marked printed
    paper: int  # PDFs that came out of the sink
    audited: int  # certificate_issue lines in the audit log
    registered_without_job: int
    jobs_without_certificate: int
    registered_without_audit: int
    paper_without_certificate: int
    chain_intact: bool

    @property
    def difference(self) -> int:
        """What must be 0: certificates that are not kept-or-printed-and-audited, and jobs or
        paper without a registered certificate."""
        return (self.registered - (self.kept + self.printed) + self.registered_without_job
                + self.jobs_without_certificate + self.registered_without_audit
                + self.paper_without_certificate + (0 if self.chain_intact else 1))


def count(data_dir: Path, kills: int) -> CrashCounts:
    """Open the store as a restarted terminal would and count."""
    from sqlalchemy import text

    from kiosk.store import Store

    store = Store.open(f"sqlite:///{data_dir / 'kiosk.sqlite3'}", data_dir, TERMINAL)
    try:
        with store.engine.connect() as db:
            codes = {row[0] for row in db.execute(
                text("SELECT verification_code FROM issued_certificates"))}
            jobs = {row[0]: row[1] for row in db.execute(
                text("SELECT verification_code, status FROM print_jobs"))}
            audited = {row[0].split()[-1] for row in db.execute(text(
                "SELECT detail FROM audit_log WHERE action = 'certificate_issue'"))}
        chain = store.audit.verify_chain()
    finally:
        store.close()
    paper = [p for p in (data_dir / "printed").glob("*.pdf")]
    paper_codes = {p.stem.rsplit("_", 1)[-1] for p in paper}
    return CrashCounts(
        kills=kills,
        registered=len(codes),
        kept=sum(1 for s in jobs.values() if s in ("pending", "failed")),
        printed=sum(1 for s in jobs.values() if s == "printed"),
        paper=len(paper),
        audited=len(audited),
        registered_without_job=len(codes - jobs.keys()),
        jobs_without_certificate=len(jobs.keys() - codes),
        registered_without_audit=len(codes - audited),
        paper_without_certificate=len(paper_codes - codes),
        chain_intact=chain.intact,
    )


def crash_series(kills: int, seed: int, data_dir: Path | None = None,
                 max_delay_s: float = 1.5, die_in_transaction: bool = True) -> CrashCounts:
    """Start the worker, let it run a random while (seeded), SIGKILL it; `kills` times. The
    first run dies inside an issue transaction instead (unless told not to)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        directory = data_dir or Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for run in range(kills):
            die_at = 2 if die_in_transaction and run == 0 else 0
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.kiosk.crash_desk", str(directory), str(run),
                 str(die_at)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
            try:
                assert proc.stdout is not None
                if proc.stdout.readline().strip() != b"ready":
                    raise RuntimeError(f"crash worker {run} did not start")
                if die_at:
                    proc.wait(timeout=300)  # it kills itself
                else:
                    time.sleep(rng.uniform(0.0, max_delay_s))
            finally:
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
        return count(directory, kills)


def as_dict(counts: CrashCounts) -> dict[str, object]:
    return {**asdict(counts), "difference": counts.difference}


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)

"""A private cupsd with a CUPS-PDF queue, for tests and the printer benchmark.

Everything cupsd writes lives in a temporary directory (config, spool, cache, logs) and it listens
on a free loopback port. The one file outside it: CUPS-PDF reads its configuration only from
/etc/cups, choosing `cups-pdf-<name>.conf` for a device URI `cups-pdf:/<name>`, so a uniquely
named file goes there (pointing the output at the temporary directory) and is removed on stop.
Needs root (cupsd runs its CUPS-PDF backend as root) and the cups + printer-driver-cups-pdf
packages.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_CONFIG_DIR = Path("/etc/cups")


def unavailable_reason() -> str | None:
    """Why a private cupsd cannot run here, or None when it can."""
    if shutil.which("cupsd") is None and not Path(CUPSD).exists():
        return "cupsd is not installed (Debian package: cups)"
    if shutil.which("lpadmin") is None:
        return "lpadmin is not installed (Debian package: cups-client)"
    if not CUPS_PDF_BACKEND.exists():
        return "the CUPS-PDF backend is not installed (Debian package: printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "a private cupsd with the CUPS-PDF backend needs root"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCups:
    """Start with `start()`, add queues with `add_pdf_queue()`, stop with `stop()`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-"))
        self.port = free_port()
        self.server = f"127.0.0.1:{self.port}"
        self.out_dir = self.root / "pdf-out"
        self._proc: subprocess.Popen[bytes] | None = None
        self._cups_pdf_confs: list[Path] = []

    def _write_config(self) -> None:
        for sub in ("spool/tmp", "cache", "state", "log", "ppd", "ssl", "pdf-out", "pdf-spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # cupsd drops to user lp for filters: they must reach the spool directories.
        for path in (self.root, *self.root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.chown(self.root / "spool", group="lp")
        (self.root / "spool").chmod(0o710)
        (self.root / "spool/tmp").chmod(0o1777)
        (self.root / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\n"
            "LogLevel warn\n"
            "DefaultAuthType None\n"
            "Browsing No\n"
            "WebInterface No\n"
            "PreserveJobFiles No\n"
            "MaxJobs 0\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        r = self.root
        (r / "cups-files.conf").write_text(
            f"ServerRoot {r}\nRequestRoot {r}/spool\nCacheDir {r}/cache\nStateDir {r}/state\n"
            f"TempDir {r}/spool/tmp\nErrorLog {r}/log/error_log\nAccessLog {r}/log/access_log\n"
            f"PageLog {r}/log/page_log\nPrintcap {r}/printcap\n"
            "User lp\nGroup lp\nSystemGroup root\nFileDevice No\n"
        )

    def start(self, timeout_s: float = 10.0) -> None:
        self._write_config()
        self._proc = subprocess.Popen(
            [
                CUPSD,
                "-f",
                "-c",
                str(self.root / "cupsd.conf"),
                "-s",
                str(self.root / "cups-files.conf"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"cupsd exited at start; see {self.root}/log/error_log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("cupsd did not start listening in time")

    def lpadmin(self, *args: str) -> None:
        subprocess.run(
            ["lpadmin", "-h", self.server, *args], check=True, capture_output=True, timeout=30
        )

    def add_pdf_queue(self, queue: str) -> Path:
        """Add an enabled CUPS-PDF queue writing into a directory of its own; return that dir."""
        name = f"kiosk-test-{self.port}-{queue}"
        out = self.out_dir / queue
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(0o755)
        conf = CUPS_CONFIG_DIR / f"cups-pdf-{name}.conf"
        conf.write_text(
            f"Out {out}\nAnonDirName {out}\nSpool {self.root}/pdf-spool\n"
            f"Log {self.root}/log\nLabel 1\nUserUMask 0077\n"
        )
        self._cups_pdf_confs.append(conf)
        self.lpadmin("-p", queue, "-v", f"cups-pdf:/{name}", "-E", "-m", CUPS_PDF_PPD)
        return out

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=5)
            self._proc = None
        for conf in self._cups_pdf_confs:
            conf.unlink(missing_ok=True)
        self._cups_pdf_confs.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivateCups:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

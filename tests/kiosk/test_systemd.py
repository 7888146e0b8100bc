"""kiosk.service as systemd reads it, and the terminal's side of the conversation: READY=1
only when a citizen can be served, STATUS= with the state, WATCHDOG=1 from the event loop."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.sdnotify import Notifier
from tests.kiosk.notify_socket import NotifySocket

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "kiosk.service"
needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze missing (scripts/install-system-deps.sh installs it)",
)


def _unit_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at a program that exists here (verify checks it)."""
    text = UNIT.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^ExecStart=\S+", f"ExecStart={sys.executable}", text)
    assert count == 1
    copy = tmp_path / "kiosk.service"
    copy.write_text(text, encoding="utf-8")
    return copy


def _settings(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_asks_for_notify_and_a_watchdog() -> None:
    unit = _settings(UNIT.read_text(encoding="utf-8"))
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["main"]
    assert 5 <= int(unit["WatchdogSec"][0]) <= 120
    assert unit["Restart"] == ["always"]


@needs_systemd
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    done = subprocess.run(["systemd-analyze", "verify", str(_unit_copy(tmp_path))],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "kiosk.service" not in done.stderr, done.stderr


@needs_systemd
def test_the_unit_is_hardened_to_3_or_lower(tmp_path: Path) -> None:
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                           str(_unit_copy(tmp_path))],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    match = re.search(r"Overall exposure level for kiosk\.service: (\d+\.\d)", done.stdout)
    assert match, done.stdout[-2000:] + done.stderr
    assert float(match[1]) <= 3.0, done.stdout


def test_notifier_speaks_the_protocol_and_is_silent_without_systemd(tmp_path: Path) -> None:
    sock = NotifySocket(tmp_path / "n.sock")
    try:
        notifier = Notifier(environ={"NOTIFY_SOCKET": str(sock.path), "WATCHDOG_USEC": "4000000",
                                     "WATCHDOG_PID": str(os.getpid())})
        assert notifier.watchdog_interval_s() == 2.0
        notifier.status("out of service: database:\n  broken")
        notifier.ready("in service")
        notifier.watchdog()
        assert sock.drain() == ["STATUS=out of service: database: broken",
                                "READY=1\nSTATUS=in service", "WATCHDOG=1"]
    finally:
        sock.close()
    other = Notifier(environ={"NOTIFY_SOCKET": "", "WATCHDOG_USEC": "4000000",
                              "WATCHDOG_PID": "1"})
    assert other.watchdog_interval_s() is None  # the watchdog was meant for another process
    other.ready("in service")  # no socket: nothing happens, nothing raises


def test_watchdog_pings_come_from_the_event_loop(tmp_path: Path, qapp) -> None:
    from PySide6.QtCore import QObject

    from kiosk.app import start_watchdog

    sock = NotifySocket(tmp_path / "w.sock")
    try:
        notifier = Notifier(environ={"NOTIFY_SOCKET": str(sock.path), "WATCHDOG_USEC": "100000"})
        parent = QObject()
        timer = start_watchdog(notifier, parent)
        sock.drain()
        sock.messages.clear()
        time.sleep(0.6)  # a frozen GUI thread: the event loop runs no timer
        assert sock.drain() == []
        end = time.monotonic() + 0.6
        while time.monotonic() < end:
            qapp.processEvents()
            time.sleep(0.01)
        assert sock.drain().count("WATCHDOG=1") >= 3
        timer.stop()
    finally:
        sock.close()


def test_the_terminal_says_ready_only_when_it_can_serve(tmp_path: Path) -> None:
    """The real `kiosk` program under a fake systemd: a corrupt database keeps it out of
    service (STATUS=, no READY=1) while it pings the watchdog and retries; once the file is
    moved away it comes into service and says READY=1."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.sqlite3").write_bytes(b"garbage" * 1000)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{data}"\n[health]\nretry_min_s = 0.3\nretry_max_s = 0.5\n'
                      '[certificates]\nverify_url = "https://verify.example.invalid/verify"\n',
                      encoding="utf-8")
    sock = NotifySocket(tmp_path / "notify.sock")
    env = {**os.environ, "NOTIFY_SOCKET": str(sock.path), "WATCHDOG_USEC": "400000",
           "QT_QPA_PLATFORM": "offscreen"}
    kiosk = Path(sys.executable).with_name("kiosk")
    process = subprocess.Popen([str(kiosk), "--config", str(config), "--simulate", "--windowed"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sock.wait_for(lambda m: m == "STATUS=starting")
        status = sock.wait_for(lambda m: m.startswith("STATUS=out of service"))
        assert "database:" in status and "kiosk.sqlite3" in status
        sock.wait_for(lambda m: m == "WATCHDOG=1")
        assert not any("READY=1" in m for m in sock.messages)
        (data / "kiosk.sqlite3").unlink()
        ready = sock.wait_for(lambda m: "READY=1" in m, 90)
        assert ready == "READY=1\nSTATUS=in service"
        pings = sock.messages.count("WATCHDOG=1")
        sock.wait_for(lambda m: m == "WATCHDOG=1")
        assert sock.messages.count("WATCHDOG=1") > pings  # still pinging once in service
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)  # systemctl stop
        assert process.wait(timeout=60) == 0
        sock.wait_for(lambda m: m == "STOPPING=1", 10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        stderr = process.stderr.read().decode() if process.stderr else ""
        sock.close()
    assert "Traceback" not in stderr, stderr[-3000:]

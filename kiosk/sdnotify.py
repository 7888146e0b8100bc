"""A small sd_notify client: tells systemd READY=1, STATUS=..., WATCHDOG=1 over $NOTIFY_SOCKET.

The protocol is one datagram of newline-separated KEY=VALUE lines to the AF_UNIX socket named
in $NOTIFY_SOCKET ('@' starts an abstract name). Without the variable (not under systemd)
every call does nothing. A send that fails is logged once and never raised: the terminal must
not stop serving because systemd is not listening.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None = None, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = env.get("NOTIFY_SOCKET", "") if address is None else address
        self._watchdog_usec = _watchdog_usec(env)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._warned = False
        self.ready_sent = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def watchdog_interval_s(self) -> float | None:
        """How often to ping: half of systemd's WatchdogSec (None: no watchdog asked for)."""
        return self._watchdog_usec / 2e6 if self._watchdog_usec else None

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={one_line(status)}")
        self.ready_sent = True

    def status(self, text: str) -> None:
        self.send(f"STATUS={one_line(text)}")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def send(self, message: str) -> None:
        if not self.address:
            return
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)
                self._socket.sendto(message.encode("utf-8"), target)
            except OSError as exc:
                if not self._warned:
                    self._warned = True
                    log.warning("cannot notify systemd at %s: %s", self.address, exc)

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def _watchdog_usec(env: os._Environ[str] | dict[str, str]) -> int:
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return 0  # meant for another process (a wrapper that started us)
    try:
        return max(0, int(env.get("WATCHDOG_USEC", "0")))
    except ValueError:
        return 0


def one_line(text: str, limit: int = 400) -> str:
    """Text as one short line (a STATUS= value ends at its newline): whitespace runs become
    one space, and it is cut at `limit` characters."""
    return " ".join(text.split())[:limit]

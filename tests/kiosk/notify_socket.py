"""A stand-in for systemd's notification socket: a real AF_UNIX datagram socket."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                return self.messages

    def wait_for(self, predicate: Callable[[str], bool], timeout_s: float = 60) -> str:
        deadline = time.monotonic() + timeout_s
        seen = 0
        while time.monotonic() < deadline:
            self.drain()
            for message in self.messages[seen:]:
                if predicate(message):
                    return message
            seen = len(self.messages)
        raise AssertionError(f"no such notification; got {self.messages[-20:]}")

    def close(self) -> None:
        self.sock.close()

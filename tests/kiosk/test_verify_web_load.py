"""The verification page shares the kiosk's process: 300 clients that connect and send nothing
cost no thread, are capped and closed after the timeout, and a real request is still served."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import httpx

from kiosk.verify_web import VerifyWebServer
from printing.registry import InMemoryRegistry


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_idle_connections_cost_no_thread_and_do_not_block_a_real_request() -> None:
    baseline = threading.active_count()
    with VerifyWebServer(InMemoryRegistry(), port=0, max_connections=64,
                         timeout_s=2.0) as server:
        started = threading.active_count()
        idle = []
        try:
            for i in range(300):
                sock = socket.create_connection((server.host, server.port), timeout=5)
                if i % 2:
                    sock.sendall(b"GET /verify?code=")  # half a request line, then silence
                idle.append(sock)
            _wait_until(lambda: server.accepted >= 300, "the server to accept them all")
            assert server.open_connections <= server.max_connections
            assert threading.active_count() <= started + 2  # page workers at most, no more

            page = httpx.get(server.url, params={"code": "AAAA-BBBB-CCCC-DDDD"}, timeout=10)
            assert page.status_code == 200 and "没有找到" in page.text

            _wait_until(lambda: server.open_connections == 0, "idle connections to time out")
            assert threading.active_count() <= started + 2
            for sock in idle:  # each was closed by the server, with nothing sent
                try:
                    assert sock.recv(64) == b""
                except ConnectionResetError:
                    pass
        finally:
            for sock in idle:
                sock.close()
    assert threading.active_count() <= baseline + 2

"""The demo back-end: a real HTTP server on a loopback port over the SQLite sample data.

    with DemoBackend() as backend:          # or: url = backend.start(); ...; backend.stop()
        url = backend.base_url              # http://127.0.0.1:<port>
        backend.fail("http500")             # failure injection, see FAILURE_MODES
        backend.fail(None)

One base URL serves every family: `POST /<family>/<operation>` with the query's parameters as
a JSON object of strings in the body and the subject's ID number in the `X-Subject-Id` header
(nothing personal in the URL). `GET /health` answers `{"ok": true}`.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from services_catalog.demo_backend import operations, seed

# What `fail()` can make every request (or one family's requests) do.
FAILURE_MODES = ("http500", "garbage", "bad_gzip", "closed", "drop")
# A gzip header, then a deflate block of the reserved type: no client can decode it.
BAD_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 8
MAX_BODY = 64 * 1024  # a query is a handful of short strings


class DemoBackend:
    """The sample back-end. `latency_s` delays every answer; `failure_rate` turns that share of
    requests into HTTP 500s; `fail(mode, family=None)` forces one failure mode."""

    def __init__(
        self,
        db_path: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_s: float = 0.0,
        failure_rate: float = 0.0,
        today: date | None = None,
    ) -> None:
        self.db_path = Path(db_path) if db_path is not None else None
        self.host = host
        self.port = port
        self.latency_s = latency_s
        self.failure_rate = failure_rate
        self.today = today
        self.closed_opens_at = "06:00"
        self.requests = 0  # how many queries reached the server (tests check retries with it)
        self._failures: dict[str | None, str] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._rng = random.Random(7)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo back-end is not running")
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> str:
        if self._server is not None:
            return self.base_url
        self._db = self._open_db()
        backend = self

        class _Handler(_RequestHandler):
            owner = backend

        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True  # a slow (latency-injected) answer never blocks stop()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-backend", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> DemoBackend:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def fail(self, mode: str | None, family: str | None = None) -> None:
        """Force a failure for every request (or one family's); None clears it."""
        if mode is not None and mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; one of {', '.join(FAILURE_MODES)}")
        with self._lock:
            if mode is None:
                self._failures.pop(family, None)
            else:
                self._failures[family] = mode

    def _open_db(self) -> sqlite3.Connection:
        today = self.today or date.today()
        if self.db_path is None:
            # In memory by default: nothing about the demo persons lands on disk.
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            seed.create(conn, today)
            return conn
        fresh = not self.db_path.exists()
        conn = sqlite3.connect(self.db_path, check_same_thread=False)
        if fresh:
            seed.create(conn, today)
        return conn

    def _failure_for(self, family: str) -> str | None:
        with self._lock:
            self.requests += 1
            mode = self._failures.get(family) or self._failures.get(None)
        if mode is None and self.failure_rate > 0 and self._rng.random() < self.failure_rate:
            mode = "http500"
        return mode

    def answer(self, family: str, operation: str, query: dict[str, str], subject_id: str) -> Any:
        """(status, body) for one query; the request handler only does HTTP."""
        handler = operations.OPERATIONS.get((family, operation))
        if handler is None:
            return 400, {"error": "unknown_operation"}
        if not subject_id:
            return 403, {"error": "no_subject"}
        subject = seed.subject_key(subject_id)
        assert self._db is not None
        with self._lock:  # one sqlite connection: queries are short, serialise them
            known = self._db.execute(
                "SELECT 1 FROM known WHERE subject=? AND family=?", (subject, family)
            ).fetchone()
            if known is None:
                return 404, {"error": "not_found"}
            q = {**query, "_family": family, "_birth": subject_id[6:14]}
            try:
                body = handler(self._db, subject, q, self.today or date.today())
            except operations.BadRequest as exc:
                return 400, {"error": "bad_request", "field": str(exc)}
        body.setdefault("reference", f"DEMO-{family[:2].upper()}-{self.requests:06d}")
        body.setdefault("as_of", (self.today or date.today()).isoformat())
        return 200, body


class _RequestHandler(BaseHTTPRequestHandler):
    owner: DemoBackend
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the path carries no person data, but tests need no access log

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if urlsplit(self.path).path == "/health":
            self._send(200, {"ok": True})
            return
        self._send(405 if self._operation() else 404, {"error": "post_a_query"})

    def do_POST(self) -> None:  # noqa: N802
        query = self._read_query()  # always read: the connection is reused for the next query
        target = self._operation()
        if target is None:
            self._send(404, {"error": "no_such_path"})
            return
        if query is None:
            self._send(400, {"error": "bad_request", "field": "body"})
            return
        family, operation = target
        backend = self.owner
        mode = backend._failure_for(family)
        if backend.latency_s:
            time.sleep(backend.latency_s)
        if mode == "http500":
            self._send(500, {"error": "internal"})
            return
        if mode == "garbage":
            self._send_raw(200, b"<html>502 Bad Gateway</html>{not json", "application/json")
            return
        if mode == "bad_gzip":
            # A proxy that mangles compression: the client cannot even decode the body.
            self._send_raw(200, BAD_GZIP, "application/json", encoding="gzip")
            return
        if mode == "closed":
            self._send(503, {"error": "closed", "opens_at": backend.closed_opens_at})
            return
        if mode == "drop":
            # Close without an answer: the client sees a broken connection.
            self.close_connection = True
            self.connection.close()
            return
        status, body = backend.answer(
            family, operation, query, self.headers.get("X-Subject-Id", "").strip().upper()
        )
        self._send(status, body)

    def _operation(self) -> tuple[str, str] | None:
        segments = [p for p in urlsplit(self.path).path.split("/") if p]
        return (segments[0], segments[1]) if len(segments) == 2 else None

    def _read_query(self) -> dict[str, str] | None:
        """The JSON object of strings in the body; None when it is anything else."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True  # the rest of the stream cannot be trusted
            return None
        raw = self.rfile.read(length)
        try:
            query = json.loads(raw or b"{}")
        except ValueError:
            return None
        if not isinstance(query, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in query.items()
        ):
            return None
        return query

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self._send_raw(status, data, "application/json; charset=utf-8")

    def _send_raw(self, status: int, data: bytes, content_type: str, encoding: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

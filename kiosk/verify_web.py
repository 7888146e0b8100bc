"""A small HTTP page where a certificate's verification code is typed (or arrives from its QR).

It shows only what was issued (the page itself is printing.verify_page, the same as a fleet
centre's public page): the masked name, the service, the date, the issuing department and
whether the content hash from the QR code matches. Standard library only; it binds to
loopback unless told otherwise, to sit behind the hall's reverse proxy. It shares the kiosk's
process, so a client that connects and sends nothing must cost it nothing but a socket, for a
few seconds (see `VerifyWebServer`); the public page of a fleet is the centre's.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from printing import verify_page
from printing.codes import InvalidVerificationCode, normalize_code
from printing.registry import CertificateRegistry


def _revocation(registry: CertificateRegistry, code: str) -> verify_page.Revocation | None:
    """A fleet's registry knows revocations (kiosk.fleet_link.registry); a local one does not."""
    revocation = getattr(registry, "revocation", None)
    found = revocation(code) if callable(revocation) else None
    if found is None:
        return None
    return verify_page.Revocation(found.revoked_reason or "", found.revoked_at)


def render_page(registry: CertificateRegistry, query: str) -> str:
    """The page for a query string like ``code=ABCD-...&sha256=...`` (empty: just the form)."""
    params = parse_qs(query)
    typed = params.get("code", [""])[0].strip()
    sha256 = params.get("sha256", [None])[0]
    result = ""
    if typed:
        try:
            code = normalize_code(typed)
        except InvalidVerificationCode as exc:
            result = verify_page.invalid_code_html(exc.message_zh, exc.message_en)
        else:
            entry = registry.lookup(code)
            if entry is None:
                result = verify_page.NOT_FOUND
            else:
                result = verify_page.found_html(entry, sha256, _revocation(registry, code))
    return verify_page.render(typed, result)


log = logging.getLogger(__name__)
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 503: "Service Unavailable"}
_MAX_HEAD = 8 * 1024  # a request line and a few headers; anything longer is refused


class VerifyWebServer:
    """The verification page on host:port (port 0 picks a free one). start() returns its URL.

    One asyncio loop on one thread holds every connection, so an idle or slow client costs a
    socket, never a thread: a request head must arrive within `timeout_s`, at most
    `max_connections` are open (a new one past that pushes out the oldest still sending its
    head, or is answered 503 when all are being served), and pages are built by `workers`
    threads (the registry may ask the fleet centre).
    """

    def __init__(
        self,
        registry: CertificateRegistry,
        host: str = "127.0.0.1",
        port: int = 8780,
        *,
        max_connections: int = 64,
        timeout_s: float = 10.0,
        workers: int = 2,
    ) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self.max_connections = max_connections
        self.timeout_s = timeout_s
        self._workers = workers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._reading: dict[asyncio.StreamWriter, None] = {}  # heads still arriving, oldest first
        self._serving = 0
        self.accepted = 0  # connections accepted so far (tests wait on it)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/verify"

    @property
    def open_connections(self) -> int:
        return len(self._reading) + self._serving

    def start(self) -> str:
        if self._thread is not None:
            return self.url
        loop = asyncio.new_event_loop()
        try:
            server = loop.run_until_complete(asyncio.start_server(
                self._connected, self.host, self.port, limit=_MAX_HEAD, backlog=128))
        except BaseException:
            loop.close()
            raise
        self.port = server.sockets[0].getsockname()[1]
        self._loop = loop
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="verify-web-page")
        self._thread = threading.Thread(target=self._run, args=(server,), name="verify-web",
                                        daemon=True)
        self._thread.start()
        return self.url

    def _run(self, server: asyncio.Server) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))  # let cancelled handlers close sockets
            for writer in list(self._reading):
                writer.transport.abort()
            loop.run_until_complete(server.wait_closed())
            loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._loop = self._thread = self._pool = None

    def __enter__(self) -> VerifyWebServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- one connection ---------------------------------------------------------------------
    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.open_connections >= self.max_connections:
            if not self._reading:  # every slot is answering a request: come back later
                await self._answer(writer, 503, b"", "text/plain")
                return
            oldest = next(iter(self._reading))
            oldest.transport.abort()  # the longest-waiting half-open one makes room
            self._reading.pop(oldest, None)
        self._reading[writer] = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout_s)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError):
            writer.transport.abort()  # silent, slow, gone or too long: nothing to answer
            return
        finally:
            self._reading.pop(writer, None)
        self._serving += 1
        try:
            await self._respond(writer, head)
        except (TimeoutError, ConnectionError):
            writer.transport.abort()
        finally:
            self._serving -= 1

    async def _respond(self, writer: asyncio.StreamWriter, head: bytes) -> None:
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await self._answer(writer, 400, b"", "text/plain")
            return
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            await self._answer(writer, 405, b"", "text/plain")
            return
        url = urlsplit(target)
        if url.path in ("/", ""):
            await self._answer(writer, 302, b"", "text/plain", location="/verify")
            return
        if url.path != "/verify":
            await self._answer(writer, 404, b"<h1>404</h1>", "text/html; charset=utf-8")
            return
        loop = asyncio.get_running_loop()
        try:
            page = await loop.run_in_executor(self._pool, render_page, self.registry, url.query)
        except Exception:  # the registry (or the centre behind it) failed: say so, briefly
            log.exception("verification page failed")
            await self._answer(writer, 503, b"", "text/plain")
            return
        body = page.encode("utf-8")
        await self._answer(writer, 200, body, "text/html; charset=utf-8",
                           head_only=method == "HEAD")

    async def _answer(self, writer: asyncio.StreamWriter, status: int, body: bytes,
                      content_type: str, *, location: str = "", head_only: bool = False) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS[status]}", f"Content-Type: {content_type}",
                 f"Content-Length: {len(body)}", "Cache-Control: no-store",
                 "X-Content-Type-Options: nosniff", "Connection: close"]
        if content_type.startswith("text/html"):
            lines.append(f"Content-Security-Policy: {verify_page.CSP}")
        if location:
            lines.append(f"Location: {location}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            writer.write(body)
        try:
            await asyncio.wait_for(writer.drain(), self.timeout_s)
        finally:
            writer.transport.close()

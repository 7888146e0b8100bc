"""A small HTTP page where a certificate's verification code is typed (or arrives from its QR).

It shows only what was issued: the masked name, the service, the date, the issuing department
and whether the content hash from the QR code matches. Nothing else about the citizen is
kept in the registry, so nothing else can leak from here. Standard library only; it binds to
loopback unless told otherwise, to sit behind the hall's reverse proxy. It shares the kiosk's
process, so a client that connects and sends nothing must cost it nothing but a socket, for a
few seconds (see `VerifyWebServer`); the public page of a fleet is the centre's.
"""

from __future__ import annotations

import asyncio
import html
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from printing.codes import InvalidVerificationCode, normalize_code
from printing.registry import CertificateRegistry, RegistryEntry

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>证明核验 Certificate verification</title>
<style>
body {{ font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em; color: #222; }}
input[type=text] {{ font-size: 1.3em; letter-spacing: .1em; width: 13em;
  text-transform: uppercase; }}
button {{ font-size: 1.1em; }}
.ok {{ border-left: 6px solid #2a7; padding: .5em 1em; background: #eefaf3; }}
.bad {{ border-left: 6px solid #c33; padding: .5em 1em; background: #fdf0f0; }}
.demo {{ color: #c00; font-weight: bold; }}
th {{ text-align: left; padding-right: 1em; font-weight: normal; color: #555; }}
</style></head><body>
<h1>证明核验 <small>Certificate verification</small></h1>
<form method="get" action="{action}">
<label for="code">验证码 Verification code</label><br>
<input type="text" id="code" name="code" value="{code}" placeholder="XXXX-XXXX-XXXX-XXXX"
 autocomplete="off" maxlength="24" required>
<button type="submit">核验 Verify</button>
</form>
{result}
</body></html>
"""


def local_time_label(moment: datetime) -> str:
    """The terminal's local time with its offset, as the paper shows the local time:
    "2026-11-27 05:44 (UTC+08:00)". The registry hands back UTC (naive counts as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{local:%Y-%m-%d %H:%M} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def _result_html(entry: RegistryEntry, sha256: str | None) -> str:
    rows = [
        ("持证人 Holder", entry.holder_masked_name),
        ("业务 Service", entry.service_name_zh),
        ("出具日期 Issued", local_time_label(entry.issued_at)),
        ("出具单位 Issued by", entry.issuer_name_zh or entry.seal_id),
    ]
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    parts = [
        '<div class="ok"><p>该验证码对应以下已出具的证明。请核对纸质证明内容与此一致。<br>'
        "This code belongs to the certificate below. Check that the paper matches.</p>"
        f"<table>{table}</table>"
    ]
    if sha256 is not None:
        if sha256 == entry.content_sha256:
            parts.append(
                "<p>二维码中的内容摘要与出证记录一致。<br>"
                "The content hash in the QR code matches the record.</p>"
            )
        else:
            parts.append(
                '<p class="demo">二维码中的内容摘要与出证记录不一致，证明可能被篡改。<br>'
                "The content hash in the QR code does NOT match the record.</p>"
            )
    if entry.demo:
        parts.append('<p class="demo">演示样本，无效。DEMO document, not valid.</p>')
    parts.append("</div>")
    return "".join(parts)


def _revoked_html(registry: CertificateRegistry, code: str) -> str:
    """A fleet's registry knows revocations (kiosk.fleet_link.registry); say so first."""
    revocation = getattr(registry, "revocation", None)
    found = revocation(code) if callable(revocation) else None
    if found is None:
        return ""
    reason = html.escape(found.revoked_reason or "")
    return ('<div class="bad"><p>该证明已被撤销，不再有效。<br>'
            f"This certificate has been REVOKED and is no longer valid.</p><p>{reason}</p></div>")


def render_page(registry: CertificateRegistry, query: str, action: str = "/verify") -> str:
    """The page for a query string like ``code=ABCD-...&sha256=...`` (empty: just the form)."""
    params = parse_qs(query)
    typed = params.get("code", [""])[0].strip()
    sha256 = params.get("sha256", [None])[0]
    result = ""
    if typed:
        try:
            code = normalize_code(typed)
        except InvalidVerificationCode as exc:
            message = f"{html.escape(exc.message_zh)}<br>{html.escape(exc.message_en)}"
            result = f'<div class="bad"><p>{message}</p></div>'
        else:
            entry = registry.lookup(code)
            if entry is None:
                result = (
                    '<div class="bad"><p>没有找到这个验证码对应的证明。请检查输入是否正确。<br>'
                    "No certificate was issued with this code. Check what you typed.</p></div>"
                )
            else:
                result = _revoked_html(registry, code) + _result_html(
                    entry, sha256.lower() if sha256 else None)
    return _PAGE.format(action=html.escape(action), code=html.escape(typed[:24]), result=result)


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
        if location:
            lines.append(f"Location: {location}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            writer.write(body)
        try:
            await asyncio.wait_for(writer.drain(), self.timeout_s)
        finally:
            writer.transport.close()

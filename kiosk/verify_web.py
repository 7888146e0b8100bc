"""A small HTTP page where a certificate's verification code is typed (or arrives from its QR).

It shows only what was issued: the masked name, the service, the date, the issuing department
and whether the content hash from the QR code matches. Nothing else about the citizen is
kept in the registry, so nothing else can leak from here. Standard library only; it binds to
loopback unless told otherwise, to sit behind the hall's reverse proxy.
"""

from __future__ import annotations

import html
import threading
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        if url.path in ("/", ""):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/verify")
            self.end_headers()
            return
        if url.path != "/verify":
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = render_page(self.server.registry, url.query).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # The request line holds a verification code; keep it out of stderr.
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], registry: CertificateRegistry) -> None:
        super().__init__(address, _Handler)
        self.registry = registry


class VerifyWebServer:
    """The verification page on host:port (port 0 picks a free one). start() returns its URL."""

    def __init__(
        self, registry: CertificateRegistry, host: str = "127.0.0.1", port: int = 8780
    ) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/verify"

    def start(self) -> str:
        if self._server is not None:
            return self.url
        self._server = _Server((self.host, self.port), self.registry)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="verify-web", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> VerifyWebServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""The verification page a certificate's code or QR leads to, as HTML (pure: no I/O here).

One page for both places that serve it: the terminal's own small server (kiosk.verify_web)
and a fleet centre's public page (fleet.routes.verify_page). It shows the masked name, the
service, the date and the issuing department; whether the QR code's content hash matches;
and, in red, when the certificate has been revoked. Nothing else is in a registry entry, so
nothing else can leak.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class IssuedEntry(Protocol):
    """What the page shows of a registry entry: printing.registry.RegistryEntry, or its wire
    shape from a fleet centre."""

    @property
    def holder_masked_name(self) -> str: ...
    @property
    def service_name_zh(self) -> str: ...
    @property
    def issued_at(self) -> datetime: ...
    @property
    def issuer_name_zh(self) -> str: ...
    @property
    def seal_id(self) -> str: ...
    @property
    def content_sha256(self) -> str: ...
    @property
    def demo(self) -> bool: ...


@dataclass(frozen=True)
class Revocation:
    """A registry's word that a certificate was revoked (only a fleet centre revokes)."""

    reason: str = ""
    at: datetime | None = None

STYLE = """
body { font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em; color: #222; }
input[type=text] { font-size: 1.3em; letter-spacing: .1em; width: 13em; text-transform: uppercase; }
button { font-size: 1.1em; }
.ok { border-left: 6px solid #2a7; padding: .5em 1em; background: #eefaf3; }
.bad { border-left: 6px solid #c33; padding: .5em 1em; background: #fdf0f0; }
.warn { color: #b00; font-weight: bold; }
th { text-align: left; padding-right: 1em; font-weight: normal; color: #555; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Only this page's own stylesheet; no script, no images, no framing, forms back to itself.
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>证明核验 Certificate verification</title>
<style>{style}</style></head><body>
<h1>证明核验 <small>Certificate verification</small></h1>
<form method="get" action="/verify">
<label for="code">验证码 Verification code</label><br>
<input type="text" id="code" name="code" value="{code}" placeholder="XXXX-XXXX-XXXX-XXXX"
 autocomplete="off" maxlength="24" required>
<button type="submit">核验 Verify</button>
</form>
{result}
</body></html>
"""


def time_label(moment: datetime) -> str:
    """Local time of this server with its offset, as the paper shows the local time:
    "2026-11-27 05:44 (UTC+08:00)". A registry hands back UTC (naive counts as UTC)."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone()
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{local:%Y-%m-%d %H:%M} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def _box(css: str, zh: str, en: str) -> str:
    return f'<div class="{css}"><p>{html.escape(zh)}<br>{html.escape(en)}</p></div>'


def found_html(entry: IssuedEntry, sha256: str | None,
               revoked: Revocation | None = None) -> str:
    rows = [
        ("持证人 Holder", entry.holder_masked_name),
        ("业务 Service", entry.service_name_zh),
        ("出具日期 Issued", time_label(entry.issued_at)),
        ("出具单位 Issued by", entry.issuer_name_zh or entry.seal_id),
    ]
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    if revoked is not None:
        when = time_label(revoked.at) if revoked.at else ""
        head = (
            '<div class="bad"><p class="warn">该证明已被撤销，不再有效。<br>'
            "This certificate has been REVOKED and is no longer valid.</p>"
            f"<p>撤销时间 Revoked: {html.escape(when)}<br>"
            f"原因 Reason: {html.escape(revoked.reason)}</p>"
        )
    else:
        head = (
            '<div class="ok"><p>该验证码对应以下已出具的证明。请核对纸质证明内容与此一致。<br>'
            "This code belongs to the certificate below. Check that the paper matches.</p>"
        )
    parts = [head, f"<table>{table}</table>"]
    if sha256 is not None:
        if sha256.lower() == entry.content_sha256:
            parts.append("<p>二维码中的内容摘要与出证记录一致。<br>"
                         "The content hash in the QR code matches the record.</p>")
        else:
            parts.append('<p class="warn">二维码中的内容摘要与出证记录不一致，证明可能被篡改。<br>'
                         "The content hash in the QR code does NOT match the record.</p>")
    if entry.demo:
        parts.append('<p class="warn">演示样本，无效。DEMO document, not valid.</p>')
    parts.append("</div>")
    return "".join(parts)


NOT_FOUND = _box("bad", "没有找到这个验证码对应的证明。请检查输入是否正确。",
                 "No certificate was issued with this code. Check what you typed.")
TOO_MANY = _box("bad", "查询过于频繁，请稍后再试。",
                "Too many look-ups from your address. Please wait a minute and try again.")


def render(code_typed: str, result_html: str) -> str:
    return _PAGE.format(style=STYLE, code=html.escape(code_typed[:24]), result=result_html)


def invalid_code_html(message_zh: str, message_en: str) -> str:
    return _box("bad", message_zh, message_en)

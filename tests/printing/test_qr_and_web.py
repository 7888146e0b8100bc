"""The QR code decodes to the registry entry; the web page shows only what was issued."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from kiosk.verify_web import VerifyWebServer, render_page
from printing import verify_page
from printing.codes import parse_qr_payload
from printing.issue import IssuedCertificate
from printing.registry import InMemoryRegistry
from tests.printing.conftest import VERIFY_URL


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils absent")
def test_qr_decodes_to_the_recorded_code_and_content_hash(
    social_cert: IssuedCertificate, social_pdf: Path, registry: InMemoryRegistry, tmp_path: Path
) -> None:
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "3",
            "-l",
            "3",
            str(social_pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    results = zxingcpp.read_barcodes(Image.open(png))
    qr = [r for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1
    assert qr[0].text.startswith(VERIFY_URL + "?")
    code, digest = parse_qr_payload(qr[0].text)
    entry = registry.lookup(code)
    assert entry is not None
    assert entry == social_cert.registry_entry
    assert digest == entry.content_sha256


def test_verify_page_shows_only_what_was_issued(
    social_cert: IssuedCertificate, registry: InMemoryRegistry
) -> None:
    entry = social_cert.registry_entry
    with VerifyWebServer(registry, port=0) as server:
        typed = entry.verification_code.lower().replace("-", " ")
        answer = httpx.get(server.url, params={"code": typed})
        page = answer.text
        # The same page as a fleet centre's: only its own hashed stylesheet may apply.
        assert answer.headers["Content-Security-Policy"] == verify_page.CSP
        assert f"<style>{verify_page.STYLE}</style>" in page
        assert "张*" in page and entry.service_name_zh in page
        assert entry.issuer_name_zh in page
        assert "2025-01-15" in page
        assert "张伟" not in page and "410402198805201238" not in page
        assert entry.holder_id_hash not in page and entry.content_sha256 not in page
        assert "演示样本" in page

        with_hash = httpx.get(
            server.url, params={"code": entry.verification_code, "sha256": entry.content_sha256}
        ).text
        assert "一致" in with_hash and "NOT match" not in with_hash
        wrong_hash = httpx.get(
            server.url, params={"code": entry.verification_code, "sha256": "0" * 64}
        ).text
        assert "NOT match" in wrong_hash

        unknown = httpx.get(server.url, params={"code": "AAAA-BBBB-CCCC-DDDD"}).text
        assert "没有找到" in unknown and "张*" not in unknown
        malformed = httpx.get(server.url, params={"code": "<script>"}).text
        assert "<script>" not in malformed and "格式不正确" in malformed
        assert httpx.get(server.url.replace("/verify", "/other")).status_code == 404
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's time zone (POSIX TZ rules: no zone database needed)."""

    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("tz", "shown"),
    [
        ("CST-8", "2026-11-27 05:44 (UTC+08:00)"),
        ("IST-5:30", "2026-11-27 03:14 (UTC+05:30)"),
        ("EST+5", "2026-11-26 16:44 (UTC-05:00)"),
        ("UTC0", "2026-11-26 21:44 (UTC+00:00)"),
    ],
)
def test_verify_page_shows_the_issue_time_in_local_time_with_its_zone(
    social_cert: IssuedCertificate, local_zone: Callable[[str], None], tz: str, shown: str
) -> None:
    local_zone(tz)
    # As the database registry hands it back: UTC.
    entry = replace(
        social_cert.registry_entry, issued_at=datetime(2026, 11, 26, 21, 44, tzinfo=UTC)
    )
    registry = InMemoryRegistry()
    registry.record(entry)
    page = render_page(registry, f"code={entry.verification_code}")
    assert shown in page

"""What is on the page: every family, repeated table headers, page x of y, fonts, DEMO mark."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from printing.errors import NotPrintable, UnknownTemplate, UnreadableResult
from printing.issue import CertificateIssuer, IssuedCertificate
from printing.samples import SERVICES
from printing.verify import verify_certificate
from tests.printing.conftest import make_request

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils absent")


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # one form feed ends every page


@needs_poppler
@pytest.mark.parametrize("family", sorted(SERVICES))
def test_every_family_issues_a_valid_sealed_certificate(
    family: str, issuer: CertificateIssuer, pki, registry, tmp_path: Path
) -> None:
    issued = issuer.prepare(make_request(family))
    registry.record(issued.registry_entry)
    assert verify_certificate(issued.pdf, [pki.root_certificate], registry).valid
    pages = page_texts(issued.pdf, tmp_path)
    assert len(pages) == issued.page_count
    first, last = pages[0], pages[-1]
    assert SERVICES[family].result_fields[0].label_zh in first
    assert "张伟" in first and "410402198805201238" in first
    assert issued.verification_code in first
    assert "DEMO-0001" in first
    assert f"出具单位：{issuer.keyring.get(SERVICES[family].seal or '').name_zh}" in last


@needs_poppler
def test_long_tables_continue_with_repeated_headers_and_page_numbers(
    social_cert: IssuedCertificate, tmp_path: Path
) -> None:
    pages = page_texts(social_cert.pdf, tmp_path)
    assert social_cert.page_count == len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert "费款所属期" in text and "单位缴纳" in text  # the table header on every page
        assert f"第{number}页共3页" in text.replace(" ", "")
        assert social_cert.verification_code in text
    months = sum(text.count("已到账") for text in pages)
    assert months == 60
    assert "¥6,500.00" in pages[0] and "2024年12月" in pages[0]
    assert "2020年1月" in pages[-1]


@needs_poppler
def test_all_fonts_are_embedded(social_pdf: Path) -> None:
    out = subprocess.run(
        ["pdffonts", str(social_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = out[2:]  # after the header and the dashes
    assert rows, "no fonts listed"
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


@needs_poppler
def test_demo_mark_only_on_demo_documents(issuer: CertificateIssuer, tmp_path: Path) -> None:
    demo = page_texts(issuer.prepare(make_request("pension", demo=True)).pdf, tmp_path)
    real = page_texts(issuer.prepare(make_request("pension", demo=False)).pdf, tmp_path)
    assert "演示样本" in demo[0] and "DEMO" in demo[0]
    assert "演示样本" not in real[0] and "DEMO ·" not in real[0]


@needs_poppler
def test_no_record_real_estate_is_a_no_property_proof(
    issuer: CertificateIssuer, tmp_path: Path
) -> None:
    issued = issuer.prepare(make_request("real_estate", found=False))
    text = page_texts(issued.pdf, tmp_path)[0]
    assert "无房证明" in text
    assert "无不动产" in text
    assert "不动产权证号" not in text  # no empty property table on a no-property proof


def test_the_signature_field_sits_on_the_seal(social_cert: IssuedCertificate) -> None:
    import io

    reader = PdfFileReader(io.BytesIO(social_cert.pdf))
    (sig,) = reader.embedded_signatures
    widget = sig.sig_field
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert 100 < x2 - x1 < 130 and abs((x2 - x1) - (y2 - y1)) < 2  # a 40 mm round seal
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    assert widget.get_object()["/P"].get_object() == last_page or "/P" not in widget


def test_services_without_a_certificate_and_bad_data_are_refused(
    issuer: CertificateIssuer,
) -> None:
    request = make_request("pension")
    with pytest.raises(NotPrintable):
        issuer.prepare(
            replace(request, service=request.service.model_copy(update={"printable": False}))
        )
    bad = replace(request, result=replace(request.result, values={"monthly_amount": "abc"}))
    with pytest.raises(UnreadableResult) as info:
        issuer.prepare(bad)
    assert info.value.message_zh and info.value.message_en
    with pytest.raises(UnknownTemplate):
        issuer.prepare(
            replace(request, service=request.service.model_copy(update={"template": "x"})))

"""The digital seal: pyHanko and poppler both accept it; any change or wrong trust is caught."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from printing.demo_pki import DEMO_ROOT_NAME, ensure_demo_pki
from printing.errors import SealUnavailable
from printing.issue import IssuedCertificate, issue_certificate
from printing.registry import InMemoryRegistry
from printing.signer import SealSigner
from printing.verify import verify_certificate
from tests.printing.conftest import HOLDER_KEY, make_request


def test_signature_validates_with_pyhanko_against_the_demo_ca(
    social_cert: IssuedCertificate, pki, registry
) -> None:
    report = verify_certificate(social_cert.pdf, [pki.root_certificate_path], registry)
    assert report.valid, report.problems
    assert report.signer_name == "平顶山市人力资源和社会保障局"
    assert report.verification_code == social_cert.verification_code
    assert report.content_sha256 == social_cert.content_sha256
    assert report.registry_entry == social_cert.registry_entry
    data = report.to_dict()
    assert data["valid"] is True and data["issued"]["holder"] == "张*"
    assert "410402198805201238" not in report.to_json()


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="poppler-utils / libnss3-tools not installed",
)
def test_signature_validates_with_poppler_pdfsig_trusting_the_demo_ca(
    social_pdf: Path, pki, tmp_path: Path
) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    # No -no-ocsp: poppler 22 then reports "Unknown issue" even for a good chain. The demo
    # certificates name no OCSP responder, so nothing goes to the network either way.
    untrusted = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(social_pdf)], capture_output=True, text=True
    )
    assert "Signature is Valid." in untrusted.stdout
    assert "Certificate issuer isn't Trusted." in untrusted.stdout
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "demo-root",
            "-t",
            "CT,C,C",
            "-i",
            str(pki.root_certificate_path),
        ],
        check=True,
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(social_pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Signature is Valid." in out
    assert "Certificate is Trusted." in out
    assert "Total document signed" in out
    assert "平顶山市人力资源和社会保障局" in out


def test_a_one_byte_change_is_detected(social_cert: IssuedCertificate, pki, registry) -> None:
    pdf = bytearray(social_cert.pdf)
    # Flip one byte inside the first page's content (covered by the signature).
    index = pdf.index(b"stream", 200) + 40
    pdf[index] ^= 0x01
    report = verify_certificate(bytes(pdf), [pki.root_certificate], registry)
    assert not report.valid
    assert {p.code for p in report.problems} & {"modified", "signature_broken", "unreadable"}


def test_content_appended_after_signing_is_rejected(
    social_cert: IssuedCertificate, pki, registry
) -> None:
    report = verify_certificate(social_cert.pdf + b"\n% added\n", [pki.root_certificate], registry)
    assert [p.code for p in report.problems] == ["content_appended"]


def test_an_untrusted_root_is_rejected(
    social_cert: IssuedCertificate, registry, tmp_path: Path
) -> None:
    # Same root name, different key: the chain must not be accepted by name.
    impostor = ensure_demo_pki(tmp_path / "other", {})
    assert DEMO_ROOT_NAME in impostor.root_certificate.subject.rfc4514_string()
    report = verify_certificate(social_cert.pdf, [impostor.root_certificate], registry)
    assert [p.code for p in report.problems] == ["untrusted"]
    assert "受信任" in report.summary("zh")


def test_an_unknown_code_is_rejected(social_cert: IssuedCertificate, pki) -> None:
    report = verify_certificate(social_cert.pdf, [pki.root_certificate], InMemoryRegistry())
    assert [p.code for p in report.problems] == ["unknown_code"]


def test_a_registry_entry_for_another_document_is_a_mismatch(pki) -> None:
    signer = SealSigner.from_demo(pki, "real_estate_registry")
    first = issue_certificate(make_request("real_estate"), signer, holder_id_key=HOLDER_KEY)
    # Same code, but a different document (issued a second later).
    second = issue_certificate(
        make_request("real_estate"),
        signer,
        holder_id_key=HOLDER_KEY,
        verification_code=first.verification_code,
        now=first.issued_at + timedelta(seconds=1),
    )
    registry = InMemoryRegistry()
    registry.record(first.registry_entry)
    assert verify_certificate(first.pdf, [pki.root_certificate], registry).valid
    report = verify_certificate(second.pdf, [pki.root_certificate], registry)
    assert [p.code for p in report.problems] == ["registry_mismatch"]


def test_unsigned_and_garbage_files_are_reported_plainly(pki) -> None:
    assert [
        p.code for p in verify_certificate(b"not a pdf", [pki.root_certificate], None).problems
    ] == ["unreadable"]
    blank = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    report = verify_certificate(blank, [pki.root_certificate], None)
    assert not report.valid and report.problems[0].message_en


def test_demo_pki_is_reused_and_grows_by_new_seals(tmp_path: Path) -> None:
    first = ensure_demo_pki(tmp_path, {"a_bureau": ("甲局", "Bureau A")})
    again = ensure_demo_pki(
        tmp_path, {"a_bureau": ("甲局", "Bureau A"), "b_bureau": ("乙局", "Bureau B")}
    )
    assert again.root_certificate == first.root_certificate
    assert (
        again.seals["a_bureau"].certificate_path.read_bytes()
        == first.seals["a_bureau"].certificate_path.read_bytes()
    )
    signer = SealSigner.from_demo(again, "b_bureau")
    assert signer.certificate.issuer.native["common_name"] == DEMO_ROOT_NAME
    assert (tmp_path / "root-ca.key.pem").stat().st_mode & 0o077 == 0


def test_a_wrong_password_or_missing_key_is_a_typed_error(pki, tmp_path: Path) -> None:
    seal = pki.seals["state_grid"]
    with pytest.raises(SealUnavailable) as info:
        SealSigner.from_pkcs12("state_grid", "国网", "State Grid", seal.pkcs12_path, b"wrong")
    assert "印章" in info.value.message_zh
    with pytest.raises(SealUnavailable):
        SealSigner.from_pkcs12("state_grid", "国网", "State Grid", tmp_path / "none.p12", b"x")

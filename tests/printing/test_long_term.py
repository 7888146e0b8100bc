"""Certificates checked years later, offline: time stamps, embedded revocation data, B-LTA.

The local PKI (TSA, OCSP responder, CRL) runs as real HTTP services on loopback for the
session; each case gets a seal certificate of its own so revoking one touches no other test.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

from printing.demo_pki import make_seal_cert
from printing.errors import SealRevoked, TimestampUnavailable, ValidationDataUnavailable
from printing.ltv import verify_at
from printing.pki_services import LocalAuthority, PkiServices, start_local_pki
from printing.signer import LEVEL_B, LEVEL_LT, LEVEL_LTA, LEVEL_T, SealSigner

SEAL = {"test_bureau": ("测试局", "Test Bureau")}
YEARS_LATER = timedelta(days=5 * 365)  # the seal certificates below expire after 60 days


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def local_pki(tmp_path_factory: pytest.TempPathFactory):
    pki, services = start_local_pki(tmp_path_factory.mktemp("ltv-pki"), SEAL)
    yield pki, services, LocalAuthority(pki)
    services.stop()


@pytest.fixture(scope="session")
def blank_pdf() -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, "certificate")
    page.save()
    return buf.getvalue()


def _fresh_signer(local_pki, *, ltv: bool = True, url: str | None = None) -> SealSigner:
    """A seal certificate of its own (valid 60 days), issued by the demo root."""
    pki, services, _authority = local_pki
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = make_seal_cert(pki.root_key(), pki.root_certificate, key.public_key(), "测试局",
                          "Test Bureau", now - timedelta(days=1), now + timedelta(days=60),
                          pki.services_url)
    signer = signers.SimpleSigner(
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        signing_cert=_asn1(cert),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(pki.root_certificate)]),
    )
    roots = (_asn1(pki.root_certificate),) if ltv else ()
    return SealSigner("test_bureau", "测试局", "Test Bureau", signer,
                      timestamp_url=url or services.timestamp_url, trust_roots=roots)


def _roots(local_pki) -> list[asn1_x509.Certificate]:
    return [_asn1(local_pki[0].root_certificate)]


def _serial(signer: SealSigner) -> int:
    return int(signer.certificate.serial_number)


def test_b_lt_is_valid_years_later_after_the_seal_certificate_expired(local_pki, blank_pdf):
    signer = _fresh_signer(local_pki)
    signed = signer.sign(blank_pdf)
    later = datetime.now(UTC) + YEARS_LATER
    assert signer.certificate["tbs_certificate"]["validity"]["not_after"].native < later
    report = verify_at(signed, _roots(local_pki), later)
    assert report.valid, report
    assert report.level == LEVEL_LT
    assert report.proven_time is not None and report.proven_time < datetime.now(UTC)


def test_the_archive_copy_is_b_lta_and_valid_years_later(local_pki, blank_pdf):
    signer = _fresh_signer(local_pki)
    archive = signer.archive_copy(signer.sign(blank_pdf))
    report = verify_at(archive, _roots(local_pki), datetime.now(UTC) + YEARS_LATER)
    assert report.valid, report
    assert report.level == LEVEL_LTA


def test_without_embedded_revocation_data_it_cannot_be_checked_offline(local_pki, blank_pdf):
    signer = _fresh_signer(local_pki, ltv=False)  # B-T: time stamp, no OCSP/CRL
    report = verify_at(signer.sign(blank_pdf), _roots(local_pki),
                       datetime.now(UTC) + YEARS_LATER)
    assert not report.valid
    assert report.problem == "no_revocation_data"


def test_revoked_after_the_time_stamp_is_still_valid_as_of_the_time_stamp(local_pki, blank_pdf):
    _pki, _services, authority = local_pki
    signer = _fresh_signer(local_pki)
    signed = signer.sign(blank_pdf)
    revocation = authority.revoke(_serial(signer), datetime.now(UTC) + timedelta(seconds=1))
    # The archive refresh after the revocation embeds a CRL that lists it ("revoked at R").
    import time

    time.sleep(max(0.0, (revocation.revoked_at - datetime.now(UTC)).total_seconds()) + 1.1)
    crl = asn1_crl.CertificateList.load(authority.crl())
    assert any(int(r["user_certificate"].native) == _serial(signer)
               for r in crl["tbs_cert_list"]["revoked_certificates"])
    with_crl = _add_dss(signed, crls=[crl])
    report = verify_at(with_crl, _roots(local_pki), datetime.now(UTC) + YEARS_LATER)
    assert report.valid, report
    assert report.proven_time is not None and report.proven_time < revocation.revoked_at


def test_revoked_before_signing_is_refused_by_the_signer_and_invalid_later(local_pki, blank_pdf):
    _pki, _services, authority = local_pki
    signer = _fresh_signer(local_pki)
    authority.revoke(_serial(signer), datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(SealRevoked):
        signer.sign(blank_pdf)
    # A key used after its revocation (as a thief would): time stamp only, then the CRL.
    stamped_only = _fresh_signer_like(signer, local_pki).sign(blank_pdf)
    crl = asn1_crl.CertificateList.load(authority.crl())
    forged = _add_dss(stamped_only, crls=[crl])
    report = verify_at(forged, _roots(local_pki), datetime.now(UTC) + YEARS_LATER)
    assert not report.valid
    assert report.problem == "revoked"


def _fresh_signer_like(signer: SealSigner, local_pki) -> SealSigner:
    """The same key and certificate, without fetching revocation data (B-T)."""
    return SealSigner(signer.seal_id, signer.name_zh, signer.name_en, signer._signer,
                      timestamp_url=local_pki[1].timestamp_url)


def _add_dss(pdf: bytes, *, crls: list) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seal = reader.embedded_signatures[0]
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, seal.pkcs7_content, crls=crls, strict=False)
    return out.getvalue()


def test_a_time_stamping_authority_that_is_down_is_a_typed_error_and_b_b_still_signs(
    local_pki, blank_pdf
):
    _pki, services, _authority = local_pki
    signer = _fresh_signer(local_pki)
    services.set_tsa_up(False)
    try:
        with pytest.raises(TimestampUnavailable):
            signer.sign(blank_pdf)
        bb = signer.sign(blank_pdf, timestamp=False)
    finally:
        services.set_tsa_up(True)
    report = verify_at(bb, _roots(local_pki), datetime.now(UTC))
    assert report.level == LEVEL_B and report.problem == "no_timestamp"
    # The retry adds validation data and a document time stamp: valid years later.
    upgraded = signer.archive_copy(bb)
    later = verify_at(upgraded, _roots(local_pki), datetime.now(UTC) + YEARS_LATER)
    assert later.valid, later
    assert later.level == LEVEL_LTA


def test_with_ocsp_and_crl_down_but_the_authority_up_the_seal_is_b_t_then_the_archive_b_lta(
    local_pki, blank_pdf, nss_db, tmp_path
):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _pki, services, _authority = local_pki
    signer = _fresh_signer(local_pki)
    services.set_revocation_up(False)
    try:
        with pytest.raises(ValidationDataUnavailable):
            signer.sign(blank_pdf)
        bt = signer.sign(blank_pdf, validation_data=False)
        with pytest.raises(TimestampUnavailable):  # the upgrade waits for them
            signer.archive_copy(bt)
    finally:
        services.set_revocation_up(True)
    seal = PdfFileReader(io.BytesIO(bt)).embedded_signatures[0]
    status = validate_pdf_signature(
        seal, ValidationContext(trust_roots=_roots(local_pki), allow_fetching=True))
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.intact and status.valid
    assert verify_at(bt, _roots(local_pki), datetime.now(UTC)).level == LEVEL_T
    verdict = _pdfsig(nss_db, bt, tmp_path)
    assert "Signature is Valid." in verdict and "Certificate is Trusted." in verdict
    # Once they answer, the archive copy gets the validation data and a document time stamp;
    # its proven time is still the signature's own time stamp.
    upgraded = signer.archive_copy(bt)
    later = verify_at(upgraded, _roots(local_pki), datetime.now(UTC) + YEARS_LATER)
    assert later.valid and later.level == LEVEL_LTA, later
    assert later.proven_time == status.timestamp_validity.timestamp


def test_an_authority_nobody_listens_on_is_unavailable_too(local_pki, blank_pdf):
    from printing.pki_services import reserve_port

    signer = _fresh_signer(local_pki, url=f"http://127.0.0.1:{reserve_port()}/tsa")
    with pytest.raises(TimestampUnavailable):
        signer.sign(blank_pdf)


def test_the_services_answer_over_http(local_pki):
    _pki, services, _authority = local_pki
    with urllib.request.urlopen(f"{services.base_url}/crl", timeout=5) as answer:
        crl = x509.load_der_x509_crl(answer.read())
    assert crl.issuer == local_pki[0].root_certificate.subject


@pytest.fixture(scope="module")
def nss_db(local_pki, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An NSS database that trusts the demo root, for pdfsig."""
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("poppler-utils / libnss3-tools not installed")
    nss = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "demo-root", "-t", "CT,C,C",
                    "-i", str(local_pki[0].root_certificate_path)], check=True)
    return f"sql:{nss}"


def _pdfsig(nss: str, pdf: bytes, tmp_path: Path) -> str:
    """pdfsig's verdict on the seal (signature #1): it checks the bytes, the chain as of
    today and, online, the OCSP responder the certificate names (here the local one)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", "-nssdir", nss, str(path)], capture_output=True,
                         text=True, check=False, timeout=60).stdout
    return out.split("Signature #2")[0]


def test_pdfsig_and_pyhanko_agree_where_pdfsig_can_judge(local_pki, blank_pdf, nss_db,
                                                         tmp_path):
    """pdfsig judges the signature bytes and the chain as of today, with live OCSP; it
    cannot judge as of another date, nor read the DSS. So: a good seal, a tampered one and
    one revoked before it was made are compared; 'expired since' and 'revoked after the time
    stamp' are questions about another date, which only the offline check answers."""
    _pki, _services, authority = local_pki
    now = datetime.now(UTC)
    roots = _roots(local_pki)

    good = _fresh_signer(local_pki)
    archive = good.archive_copy(good.sign(blank_pdf))
    verdict = _pdfsig(nss_db, archive, tmp_path)
    assert "Signature is Valid." in verdict and "Certificate is Trusted." in verdict
    assert verify_at(archive, roots, datetime.now(UTC)).valid

    tampered = bytearray(archive)
    tampered[tampered.index(b"ReportLab")] = ord("r")  # inside the signed byte range
    verdict = _pdfsig(nss_db, bytes(tampered), tmp_path)
    assert "Signature is Valid." not in verdict
    assert verify_at(bytes(tampered), roots, datetime.now(UTC)).problem == "modified"

    stolen = _fresh_signer(local_pki)
    authority.revoke(_serial(stolen), now - timedelta(hours=1))
    forged = _add_dss(_fresh_signer_like(stolen, local_pki).sign(blank_pdf),
                      crls=[asn1_crl.CertificateList.load(authority.crl())])
    verdict = _pdfsig(nss_db, forged, tmp_path)
    assert "Certificate has been Revoked." in verdict
    assert verify_at(forged, roots, datetime.now(UTC)).problem == "revoked"


def test_services_stop_by_themselves(tmp_path):
    pki, services = start_local_pki(tmp_path / "pki", SEAL)
    services.stop()
    assert isinstance(services, PkiServices)
    again, services2 = start_local_pki(tmp_path / "pki", SEAL)
    services2.stop()
    assert again.services_url == pki.services_url  # the address its certificates name
    assert Path(tmp_path / "pki" / "tsa.pem").is_file()


def test_a_date_before_the_seal_was_made_is_not_valid(local_pki, blank_pdf):
    """As of a day before its time stamp the document did not exist yet: not 'valid'."""
    signed = _fresh_signer(local_pki).sign(blank_pdf)
    report = verify_at(signed, _roots(local_pki), datetime.now(UTC) - timedelta(days=1))
    assert not report.valid
    assert report.problem == "not_yet_sealed"
    assert report.proven_time is not None and report.proven_time > report.at


@pytest.mark.parametrize("answer", [b"<html>502 Bad Gateway</html>", b"\x30\x03\x02\x01\x05"])
def test_an_authority_answering_garbage_is_unavailable_so_b_b_still_signs(
    local_pki, blank_pdf, answer
):
    """A proxy's error page or a broken answer is no time stamp: the citizen gets the B-B
    certificate (TimestampUnavailable), not an unexplained failure."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Garbage(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        signer = _fresh_signer(local_pki, url=f"http://127.0.0.1:{server.server_address[1]}/tsa")
        with pytest.raises(TimestampUnavailable):
            signer.sign(blank_pdf)
        assert signer.sign(blank_pdf, timestamp=False).startswith(b"%PDF")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("days", [(-60, -1), (1, 60)], ids=["expired", "not-yet-valid"])
def test_a_seal_outside_its_validity_signs_nothing_at_any_level(local_pki, blank_pdf, days):
    """Not even B-B (the TSA-down path), where no validation would have noticed."""
    from printing.errors import SealUnavailable

    good = _fresh_signer(local_pki)
    pki = local_pki[0]
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = make_seal_cert(pki.root_key(), pki.root_certificate, key.public_key(), "测试局",
                          "Test Bureau", now + timedelta(days=days[0]),
                          now + timedelta(days=days[1]), pki.services_url)
    inner = signers.SimpleSigner(
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        signing_cert=_asn1(cert), cert_registry=good._signer.cert_registry)
    for signer in (SealSigner("test_bureau", "测试局", "Test Bureau", inner),  # B-B only
                   SealSigner("test_bureau", "测试局", "Test Bureau", inner,
                              timestamp_url=local_pki[1].timestamp_url)):  # B-T
        for timestamp in (True, False):
            with pytest.raises(SealUnavailable):
                signer.sign(blank_pdf, timestamp=timestamp)


def test_a_token_that_stops_answering_while_signing_is_seal_unavailable(local_pki, blank_pdf):
    """A PKCS#11 error (token pulled out mid-signature) is the typed, plain-language error the
    desk and the seal checks know, not a raw pkcs11 exception."""
    from pkcs11.exceptions import DeviceRemoved

    from printing.errors import SealUnavailable

    signer = _fresh_signer(local_pki, ltv=False)

    async def removed(*_args: object, **_kwargs: object) -> bytes:
        raise DeviceRemoved()

    signer._signer.async_sign_raw = removed  # type: ignore[method-assign]
    with pytest.raises(SealUnavailable, match="token"):
        signer.sign(blank_pdf, timestamp=False)

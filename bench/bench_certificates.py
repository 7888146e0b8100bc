"""Certificate issue time (render + seal + sign + QR) against a floor measured in the same run.

The floor is a bare one-page ReportLab render (the same CJK font, a few lines of text) plus a
bare pyHanko signature of it with pyHanko's stock PKCS#12 signer. The long-term figures seal
the same certificate as PAdES B-LT against the local TSA, OCSP responder and CRL (real HTTP on
loopback): a time stamp, then the revocation data of the chain embedded; and the archive
copy's document time stamp (B-LTA) on top. Prints one JSON object per line:
{"name": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asn1crypto import x509 as asn1_x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from printing.demo_pki import ensure_demo_pki  # noqa: E402
from printing.fonts import find_cjk_font, register_reportlab_font  # noqa: E402
from printing.issue import CertificateRequest, issue_certificate  # noqa: E402
from printing.pki_services import start_local_pki  # noqa: E402
from printing.samples import DEMO_PERSON, SEALS, SERVICES, sample_result  # noqa: E402
from printing.signer import SealSigner  # noqa: E402

RUNS = 30
WARMUP = 3


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit}), flush=True)


def timings(fn: Callable[[], object], runs: int = RUNS) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> None:
    font_name = register_reportlab_font(find_cjk_font())
    with tempfile.TemporaryDirectory() as tmp:
        pki = ensure_demo_pki(Path(tmp), SEALS)
        seal = pki.seals["real_estate_registry"]
        stock = signers.SimpleSigner.load_pkcs12(str(seal.pkcs12_path), passphrase=seal.password)
        assert stock is not None

        def bare_render() -> bytes:
            buffer = io.BytesIO()
            canvas = Canvas(buffer, pagesize=A4, initialFontName=font_name)
            canvas.setFont(font_name, 12)
            for i, line in enumerate(
                (
                    "不动产登记信息查询结果证明",
                    "张伟 410402198805201238",
                    "豫(2019)平顶山市不动产权第0012345号",
                    "平顶山市不动产登记中心",
                )
            ):
                canvas.drawString(72, 760 - 24 * i, line)
            canvas.showPage()
            canvas.save()
            return buffer.getvalue()

        def floor() -> bytes:
            meta = signers.PdfSignatureMetadata(
                field_name="Sig", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
            )
            writer = IncrementalPdfFileWriter(io.BytesIO(bare_render()))
            return signers.sign_pdf(writer, meta, signer=stock).getvalue()

        signer = SealSigner.from_demo(pki, "real_estate_registry")

        def floor_kept_key() -> bytes:
            # The same floor with this package's signer (key parsed once, space reserved).
            return signer.sign(bare_render())

        def issue(family: str = "real_estate", rows: int | None = None) -> Callable[[], object]:
            service = SERVICES[family]
            request = CertificateRequest(
                service,
                DEMO_PERSON,
                sample_result(family, rows=rows),
                "DEMO-0001",
                "http://127.0.0.1:8780/verify",
                True,
            )
            this = (
                signer
                if service.seal == signer.seal_id
                else SealSigner.from_demo(pki, service.seal or "")
            )
            return lambda: issue_certificate(request, this, holder_id_key=b"bench")

        floor_ms = timings(floor)
        floor_kept_ms = timings(floor_kept_key)
        one_page = timings(issue())
        three_pages = timings(issue("social_insurance"), runs=15)

        ltv_pki, services = start_local_pki(Path(tmp) / "ltv", SEALS)
        try:
            root = asn1_x509.Certificate.load(ltv_pki.root_certificate.public_bytes(Encoding.DER))
            lt_signer = SealSigner.from_demo(ltv_pki, "real_estate_registry",
                                             timestamp_url=services.timestamp_url,
                                             trust_roots=(root,))
            request = CertificateRequest(SERVICES["real_estate"], DEMO_PERSON,
                                         sample_result("real_estate"), "DEMO-0001",
                                         "http://127.0.0.1:8780/verify", True)

            def issue_lt() -> bytes:
                issued = issue_certificate(request, lt_signer, holder_id_key=b"bench")
                assert issued.seal_level == "B-LT"
                return issued.pdf

            long_term = timings(issue_lt, runs=20)
            sample = issue_lt()
            archive = timings(lambda: lt_signer.archive_copy(sample), runs=10)
        finally:
            services.stop()

    floor_p50 = statistics.median(floor_ms)
    emit("certificate_floor_render_plus_sign_p50", floor_p50, "ms")
    emit("certificate_floor_with_kept_key_signer_p50", statistics.median(floor_kept_ms), "ms")
    emit("certificate_issue_p50", statistics.median(one_page), "ms")
    emit("certificate_issue_p95", p95(one_page), "ms")
    emit("certificate_issue_p50_over_floor", statistics.median(one_page) / floor_p50, "x")
    emit("certificate_issue_3_pages_p50", statistics.median(three_pages), "ms")
    emit("certificate_issue_3_pages_p95", p95(three_pages), "ms")
    emit("certificate_issue_b_lt_p50", statistics.median(long_term), "ms")
    emit("certificate_issue_b_lt_p95", p95(long_term), "ms")
    emit("certificate_archive_b_lta_p50", statistics.median(archive), "ms")


if __name__ == "__main__":
    main()

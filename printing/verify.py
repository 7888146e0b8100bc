"""Checking a certificate someone brings back: signature, trust, and the registry.

A certificate is valid only when all of these hold: its one signature is intact and covers
the whole file (nothing was added after signing), the signer's certificate chains to one of
the given trust roots, and the registry knows its verification code with the same PDF hash
or content hash. Every failure is reported as a plain-language reason in Chinese and English.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from printing.codes import InvalidVerificationCode, normalize_code
from printing.layout import KEYWORD_PREFIX
from printing.registry import CertificateRegistry, RegistryEntry

# pyHanko logs a full traceback for every untrusted chain; callers get the reason in the report,
# so without an application log handler these records should not reach stderr.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())

TrustRoot: TypeAlias = x509.Certificate | asn1_x509.Certificate | Path | str
_KEYWORDS = re.compile(
    re.escape(KEYWORD_PREFIX) + r" code:(?P<code>[A-Z2-7-]{19}) sha256:(?P<sha>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Problem:
    code: str
    message_zh: str
    message_en: str


PROBLEMS = {
    p.code: p
    for p in (
        Problem(
            "unreadable", "文件无法读取，不是有效的 PDF 文件。", "The file cannot be read as a PDF."
        ),
        Problem(
            "unsigned", "该文件没有电子签章。", "The file carries no electronic seal (signature)."
        ),
        Problem(
            "several_signatures",
            "该文件含有多个签名，与本系统出具的证明不符。",
            "The file has more than one signature; our certificates have exactly one.",
        ),
        Problem(
            "signature_broken",
            "电子签章已损坏，无法核验。",
            "The signature is damaged and cannot be checked.",
        ),
        Problem(
            "modified",
            "文件在签章后被修改过，内容不可信。",
            "The document was changed after it was sealed; its content cannot be trusted.",
        ),
        Problem("signature_invalid", "电子签章无效。", "The electronic seal is not valid."),
        Problem(
            "untrusted",
            "签章证书不是由受信任的机构签发的。",
            "The seal's certificate was not issued by a trusted authority.",
        ),
        Problem(
            "content_appended",
            "签章后又追加了内容，本证明不接受任何修改。",
            "Content was added after sealing; this certificate allows no changes.",
        ),
        Problem(
            "no_code",
            "文件中没有本系统的验证码。",
            "The file has no verification code of this system.",
        ),
        Problem(
            "unknown_code",
            "出证记录中没有这个验证码。",
            "This verification code is not in the register of issued certificates.",
        ),
        Problem(
            "registry_mismatch",
            "文件与出证记录不一致。",
            "The file does not match the register entry for its verification code.",
        ),
    )
}


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    problems: tuple[Problem, ...]
    pdf_sha256: str
    signer_name: str | None = None
    signed_at: datetime | None = None
    timestamped: bool = False
    verification_code: str | None = None
    content_sha256: str | None = None
    registry_checked: bool = False
    registry_entry: RegistryEntry | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        entry = self.registry_entry
        return {
            "valid": self.valid,
            "problems": [
                {"code": p.code, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in self.problems
            ],
            "pdf_sha256": self.pdf_sha256,
            "signer": self.signer_name,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "timestamped": self.timestamped,
            "verification_code": self.verification_code,
            "content_sha256": self.content_sha256,
            "registry_checked": self.registry_checked,
            # Only what the public page may show: never the ID hash.
            "issued": None
            if entry is None
            else {
                "service_id": entry.service_id,
                "service_name_zh": entry.service_name_zh,
                "holder": entry.holder_masked_name,
                "issued_at": entry.issued_at.isoformat(),
                "issuer": entry.issuer_name_zh,
                "terminal_id": entry.terminal_id,
                "demo": entry.demo,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def summary(self, lang: str = "zh") -> str:
        if self.valid:
            return "证明有效。" if lang == "zh" else "The certificate is valid."
        return " ".join(p.message_zh if lang == "zh" else p.message_en for p in self.problems)


def _asn1_roots(roots: Sequence[TrustRoot]) -> list[asn1_x509.Certificate]:
    out: list[asn1_x509.Certificate] = []
    for root in roots:
        if isinstance(root, asn1_x509.Certificate):
            out.append(root)
        elif isinstance(root, x509.Certificate):
            out.append(asn1_x509.Certificate.load(root.public_bytes(Encoding.DER)))
        else:
            for cert in x509.load_pem_x509_certificates(Path(root).read_bytes()):
                out.append(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
    return out


def _info_keywords(reader: PdfFileReader) -> tuple[str | None, str | None]:
    try:
        keywords = str(reader.trailer["/Info"]["/Keywords"])
    except (KeyError, TypeError):
        return None, None
    match = _KEYWORDS.search(keywords)
    if not match:
        return None, None
    try:
        return normalize_code(match["code"]), match["sha"]
    except InvalidVerificationCode:
        return None, None


def verify_certificate(
    pdf: bytes,
    trust_roots: Sequence[TrustRoot],
    registry: CertificateRegistry | None,
) -> VerificationReport:
    """Check one certificate. With `registry` None only the signature and trust are checked
    (`registry_checked` is then False)."""
    pdf_sha256 = hashlib.sha256(pdf).hexdigest()

    def fail(*codes: str, **extra: Any) -> VerificationReport:
        return VerificationReport(False, tuple(PROBLEMS[c] for c in codes), pdf_sha256, **extra)

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        return fail("unreadable")
    # Document time stamps (B-LTA) are signatures too, but not seals.
    signatures = [s for s in signatures if s.sig_object_type == "/Sig"]
    if not signatures:
        return fail("unsigned")
    if len(signatures) > 1:
        return fail("several_signatures")
    context = ValidationContext(
        trust_roots=_asn1_roots(trust_roots), allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception:  # noqa: BLE001  pyHanko raises many kinds for a mangled signature
        return fail("signature_broken")

    problems: list[str] = []
    if not status.intact:
        problems.append("modified")
    elif not status.valid:
        problems.append("signature_invalid")
    if status.intact and status.valid and not status.trusted:
        problems.append("untrusted")
    # After the seal only validation data and document time stamps may follow (PAdES LTV).
    only_ltv_updates = (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES
        and status.docmdp_ok
        # ...and nothing after the last revision.
        and pdf.rstrip().endswith(b"%%EOF")
    )
    if status.intact and status.coverage != SignatureCoverageLevel.ENTIRE_FILE and not (
        only_ltv_updates
    ):
        problems.append("content_appended")
    signer_cn = status.signing_cert.subject.native.get("common_name")
    code, content_hash = _info_keywords(reader)
    entry: RegistryEntry | None = None
    if code is None:
        problems.append("no_code")
    elif registry is not None:
        entry = registry.lookup(code)
        if entry is None:
            problems.append("unknown_code")
        elif entry.pdf_sha256 != pdf_sha256 and entry.content_sha256 != content_hash:
            problems.append("registry_mismatch")
    return VerificationReport(
        valid=not problems,
        problems=tuple(PROBLEMS[c] for c in problems),
        pdf_sha256=pdf_sha256,
        signer_name=str(signer_cn) if signer_cn else None,
        signed_at=status.signer_reported_dt,
        timestamped=status.timestamp_validity is not None,
        verification_code=code,
        content_sha256=content_hash,
        registry_checked=registry is not None,
        registry_entry=entry,
    )
